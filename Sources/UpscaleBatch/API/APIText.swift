import Foundation

/// Text taken from API answers, bounded and scrubbed before it reaches logs, errors or the store.
enum APIText {
    /// Longest message kept from an answer (`error`, `message`, `reason`).
    static let messageLimit = 500
    /// Longest body excerpt put into an error.
    static let excerptLimit = 200

    /// `text` cut to at most `limit` characters, with an ellipsis when cut.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }

    /// A short, printable excerpt of a body for an error message, with `secret` (the API key)
    /// removed should a server ever echo it.
    static func excerpt(_ body: Data, redacting secret: String) -> String {
        let text = String(decoding: body.prefix(excerptLimit * 4), as: UTF8.self)
        var printable = String(
            text.map { $0.isNewline || $0 == "\t" ? " " : $0 }.filter { !$0.isASCII || $0.asciiValue! >= 0x20 })
        if !secret.isEmpty { printable = printable.replacingOccurrences(of: secret, with: "[REDACTED]") }
        if printable.isEmpty { return "(empty body)" }
        return cut(printable, to: excerptLimit)
    }

    /// The fields of an answer; nil when the body is not a JSON object.
    static func fields(_ body: Data) -> AnswerFields? {
        try? JSONDecoder().decode(AnswerFields.self, from: body)
    }
}
