/// Builds the `webhookUrl` sent with each job: the user's URL plus `job=<id>&token=<secret>`.
///
/// The job id lets the receiver match a webhook that arrives before the submission's answer
/// was recorded; the token proves the webhook comes from a job we submitted. The user's own
/// query string is kept (a reverse proxy may route on it); a fragment is dropped, because a
/// client never sends it and the parameters after it would be lost with it.
public enum WebhookURL {
    /// `base` with `job=<jobID>&token=<secret>` appended to its query string.
    public static func callbackURL(base: String, jobID: Int64, secret: String) -> String {
        var url = Substring(base)
        if let hash = url.firstIndex(of: "#") { url = url[..<hash] }
        let separator: String
        if let question = url.firstIndex(of: "?") {
            let query = url[url.index(after: question)...]
            separator = query.isEmpty || query.hasSuffix("&") ? "" : "&"
        } else {
            separator = "?"
        }
        return "\(url)\(separator)job=\(jobID)&token=\(percentEncoded(secret))"
    }

    /// The secret is hex, but a hand-set one must not break the query string.
    private static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}
