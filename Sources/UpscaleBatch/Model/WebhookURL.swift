/// Builds the `webhookUrl` sent with each job: the user's URL plus `ub_job=<id>&ub_token=<secret>`.
///
/// The job id lets the receiver match a webhook that arrives before the submission's answer
/// was recorded; the token proves the webhook comes from a job we submitted. The user's own
/// query string is kept exactly as given (a reverse proxy may route or authenticate on it,
/// with parameters of any name, `job` and `token` included): ours carry the `ub_` prefix so
/// they never collide with it. A fragment is dropped, because a client never sends it and
/// the parameters after it would be lost with it.
public enum WebhookURL {
    /// The query parameter that carries the job id.
    public static let jobParameter = "ub_job"
    /// The query parameter that carries the store's webhook secret.
    public static let tokenParameter = "ub_token"
    /// The names earlier versions used; the receiver still reads them for jobs those versions
    /// submitted, when a webhook carries no `ub_` parameter at all.
    public static let legacyJobParameter = "job"
    public static let legacyTokenParameter = "token"

    /// `base` with `ub_job=<jobID>&ub_token=<secret>` appended to its query string.
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
        return "\(url)\(separator)\(jobParameter)=\(jobID)&\(tokenParameter)=\(percentEncoded(secret))"
    }

    /// The first of our own parameter names (`ub_job`, `ub_token`) that `base` already carries
    /// in its query string, or nil. Such a URL is refused: the receiver could not tell the
    /// user's value from ours.
    public static func reservedParameter(in base: String) -> String? {
        var url = Substring(base)
        if let hash = url.firstIndex(of: "#") { url = url[..<hash] }
        guard let question = url.firstIndex(of: "?") else { return nil }
        for pair in url[url.index(after: question)...].split(separator: "&") {
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let decoded = String(name).removingPercentEncodingIfPossible.lowercased()
            if decoded == jobParameter || decoded == tokenParameter { return decoded }
        }
        return nil
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

extension String {
    /// Percent-decoded, or the text itself when it is not valid percent-encoding.
    fileprivate var removingPercentEncodingIfPossible: String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
