import Foundation

/// The file name a job's result is kept under: `<job id>-<base>.<ext>`, predictable from the
/// job alone, unique (the id), and safe whatever the source URL holds.
///
/// `<base>` is the last path segment of the job's *source* image URL (the one imported), with
/// query and fragment dropped, percent-decoded, its extension removed, accents stripped
/// (`café` → `cafe`), every character outside `[A-Za-z0-9._-]` replaced by `_`, runs of `_` and
/// `.` collapsed, leading and trailing `.`, `_`, `-` trimmed, and cut to `maxBaseLength`
/// characters; `image` when nothing is left. Because the name starts with the job id and never
/// holds `/` or NUL, no URL (`../../etc/passwd`, `%2e%2e%2f`, an absolute path) can place a
/// file outside the output directory or hide it as a dot file.
public enum ResultFileName {
    /// Longest `<base>` kept: names stay far below every file system's 255-byte limit.
    public static let maxBaseLength = 80

    /// `<job id>-<base>`: the name without its extension, known before the first byte arrives.
    public static func stem(jobID: Int64, sourceURL: String) -> String {
        "\(jobID)-\(base(of: sourceURL))"
    }

    /// The name of the temporary file a download is written to before its rename.
    public static func partialName(stem: String) -> String { "." + stem + ".partial" }

    /// The sanitised base name of `sourceURL` (see the type's documentation).
    public static func base(of sourceURL: String) -> String {
        var text = Substring(sourceURL)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        if let scheme = text.range(of: "://") {
            // Drop scheme and authority: a URL with no path has no file name.
            let afterAuthority = text[scheme.upperBound...]
            text = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? ""
        }
        // Decode first, so an encoded separator (%2F) splits like a real one.
        let decoded = String(text).removingPercentEncoding ?? String(text)
        let segment = decoded.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var stem = Substring(segment)
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = stem[..<dot] }
        return sanitize(String(stem))
    }

    /// Keeps `[A-Za-z0-9._-]`, maps everything else to `_`, collapses and trims, caps the length.
    static func sanitize(_ text: String) -> String {
        var out = ""
        var previous: Character?
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            let character: Character
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D: character = Character(scalar)
            case 0x2E: character = "."
            case 0x5F: character = "_"
            case 0x300...0x36F: continue  // combining accents left by the decomposition
            default: character = "_"
            }
            if character == "_" || character == ".", previous == character { continue }
            out.append(character)
            previous = character
            if out.count >= maxBaseLength * 2 { break }  // long enough; the rest is trimmed anyway
        }
        let junk: Set<Character> = [".", "_", "-"]
        var trimmed = Substring(out)
        while let first = trimmed.first, junk.contains(first) { trimmed = trimmed.dropFirst() }
        trimmed = trimmed.prefix(maxBaseLength)
        while let last = trimmed.last, junk.contains(last) { trimmed = trimmed.dropLast() }
        return trimmed.isEmpty ? "image" : String(trimmed)
    }
}
