/// What a batch may be called: names show in tables, reports and cron mail, one per line, so
/// a name is never empty and holds no line break, control or other invisible character.
public enum BatchName {
    /// Why `name` cannot name a batch, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "a batch name cannot be empty" }
        if name.unicodeScalars.contains(where: TextEscaping.isInvisible) {
            return "a batch name cannot hold line breaks, control or invisible characters: \(TextEscaping.visible(name))"
        }
        return nil
    }
}
