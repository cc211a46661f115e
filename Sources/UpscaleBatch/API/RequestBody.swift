import NIOCore

/// The JSON bodies of the two requests, written directly into a buffer: they are tiny, sent
/// thousands of times a second in a benchmark, and need nothing but string escaping
/// (`TextEscaping.appendJSON`, shared with the renderers).
enum RequestBody {
    static func queue(imageURL: String, webhookURL: String, mode: Mode) -> ByteBuffer {
        var text = "{\"img_url\":"
        TextEscaping.appendJSON(imageURL, to: &text)
        text += ",\"webhookUrl\":"
        TextEscaping.appendJSON(webhookURL, to: &text)
        text += ",\"mode\":"
        TextEscaping.appendJSON(mode.rawValue, to: &text)
        text += "}"
        return ByteBuffer(string: text)
    }

    static func status(requestID: String) -> ByteBuffer {
        var text = "{\"request_id\":"
        TextEscaping.appendJSON(requestID, to: &text)
        text += "}"
        return ByteBuffer(string: text)
    }
}
