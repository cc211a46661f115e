extension TextEscaping {
    /// `value` as a message may quote it: every character that would not show as itself is
    /// written as an escape (`\n`, `\t`, `\u{feff}`), so a rejected value never looks valid and a
    /// message always stays on its one line.
    ///
    /// Escaped: C0 and C1 controls and DEL, line and paragraph separators (U+2028, U+2029),
    /// format characters (the BOM U+FEFF, zero-width spaces and joiners, bidi marks, embeddings,
    /// overrides and isolates, the soft hyphen), other default-ignorable code points, spaces
    /// other than U+0020 (a no-break space looks like a space), private-use, surrogate and
    /// unassigned code points. Everything else, non-ASCII letters included, is kept as written.
    public static func visible(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: isInvisible) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 8)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isInvisible(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The bytes of user input (a CSV field) as `visible(_:)` shows them; invalid UTF-8 shows
    /// as U+FFFD.
    public static func visible(bytes: some Collection<UInt8>) -> String {
        visible(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether `scalar` would not show as itself in a terminal or a mail.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x21 && scalar.value < 0x7F { return false }  // the common case, quickly
        if scalar.value == 0x20 { return false }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned,
            .spaceSeparator:
            return true
        default:
            return properties.isDefaultIgnorableCodePoint
        }
    }
}
