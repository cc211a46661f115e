import NIOCore

/// The JSON bodies of the two requests, written directly into a buffer: they are tiny, sent
/// thousands of times a second in a benchmark, and need nothing but string escaping.
enum RequestBody {
    static func queue(imageURL: String, webhookURL: String, mode: Mode) -> ByteBuffer {
        var text = "{\"img_url\":"
        appendQuoted(imageURL, to: &text)
        text += ",\"webhookUrl\":"
        appendQuoted(webhookURL, to: &text)
        text += ",\"mode\":"
        appendQuoted(mode.rawValue, to: &text)
        text += "}"
        return ByteBuffer(string: text)
    }

    static func status(requestID: String) -> ByteBuffer {
        var text = "{\"request_id\":"
        appendQuoted(requestID, to: &text)
        text += "}"
        return ByteBuffer(string: text)
    }

    /// Appends `value` as a JSON string literal (RFC 8259 escaping).
    static func appendQuoted(_ value: String, to text: inout String) {
        text.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }
}
