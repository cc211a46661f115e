import Foundation

/// Escaping for the machine-readable formats, written by hand because the list command
/// streams a million rows and JSONEncoder per row would dominate its time.
public enum TextEscaping {
    /// A JSON string literal, quotes included (RFC 8259: `"`, `\`, and control characters).
    public static func json(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count + 2)
        appendJSON(value, to: &out)
        return out
    }

    /// Appends `value` as a JSON string literal to `out`: the one JSON escaper of the core, used
    /// by the renderers and by the API requests' bodies (which build them in place).
    public static func appendJSON(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A JSON value for an optional string: `null` when absent.
    public static func json(_ value: String?) -> String { value.map { json($0) } ?? "null" }

    /// A JSON value for an optional integer: `null` when absent.
    public static func json(_ value: Int64?) -> String { value.map { String($0) } ?? "null" }

    /// An RFC 4180 CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled).
    public static func csv(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
