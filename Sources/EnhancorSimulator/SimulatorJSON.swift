import Foundation

/// Writing and reading the small JSON documents of the API without shared wire types.
///
/// Answers are written field by field in the documented order (readable in logs and
/// stable for tests); request bodies are read with `JSONSerialization`, so a wrong type or
/// a missing field can be told apart and answered 400 with a precise message.
enum SimulatorJSON {
    /// A JSON value the simulator writes.
    enum Value {
        case string(String)
        case int(Int)
        case bool(Bool)
    }

    /// A JSON object with keys in the given order.
    static func object(_ fields: [(String, Value)]) -> String {
        let members = fields.map { key, value in
            "\(quote(key)): \(render(value))"
        }
        return "{" + members.joined(separator: ", ") + "}"
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .string(let text): return quote(text)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        }
    }

    /// A JSON string literal, escaped per RFC 8259.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The body as a JSON object, or nil when it is not JSON or not an object.
    static func parseObject(_ bytes: [UInt8]) -> [String: Any]? {
        guard !bytes.isEmpty,
            let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [])
        else { return nil }
        return value as? [String: Any]
    }

    /// A non-empty string field, or nil when missing, empty or of another type.
    static func nonEmptyString(_ object: [String: Any], _ key: String) -> String? {
        guard let text = object[key] as? String, !text.isEmpty else { return nil }
        return text
    }
}
