/// Why an API call did not produce an answer the caller can use, typed so the runner can act.
///
/// Each case maps onto one decision of the runner: stop everything (`unauthorized`), fail this
/// job (`rejected`), resubmit and flag a possible duplicate charge (`ambiguous`), stop and try
/// again later (`transient`, `rateLimited`), or treat the answer as unreadable (`malformed`).
/// Descriptions are short and bounded, fit for logs, and never contain the API key.
public enum EnhancorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401 or 403: the API refused the key. The runner stops at once.
    case unauthorized(status: Int)
    /// Another 4xx, or an answer with `success: false`: this job is refused, with the API's message.
    case rejected(status: Int, message: String)
    /// 429 that outlasted the client's own pausing (normally handled inside the client).
    case rateLimited(retryAfter: Double?)
    /// 5xx, timeouts, refused or reset connections, DNS: the retries ran out.
    case transient(detail: String)
    /// A `/queue` request was sent but no readable answer came back: a request may exist.
    case ambiguous(detail: String)
    /// A `/status` answer that could not be read, after retries (a short excerpt of the body).
    case malformed(status: Int, excerpt: String)
    /// The client was shut down, or a stop was requested while the call waited.
    case cancelled
    /// The client could not be set up (bad base URL, unreadable CA file, unusable proxy).
    case configuration(detail: String)

    public var description: String {
        switch self {
        case .unauthorized(let status):
            return "the API refused the key (HTTP \(status))"
        case .rejected(let status, let message):
            return "the API refused the request (HTTP \(status)): \(message)"
        case .rateLimited(let retryAfter):
            if let retryAfter { return "rate limited by the API (retry after \(Self.seconds(retryAfter)))" }
            return "rate limited by the API"
        case .transient(let detail):
            return "the API is unavailable: \(detail)"
        case .ambiguous(let detail):
            return "no readable answer to a submission, it may have been accepted: \(detail)"
        case .malformed(let status, let excerpt):
            return "unreadable status answer (HTTP \(status)): \(excerpt)"
        case .cancelled:
            return "cancelled: the API client was stopped"
        case .configuration(let detail):
            return "API client configuration: \(detail)"
        }
    }

    /// Whether a later run may succeed without anyone changing anything.
    public var isRetryableLater: Bool {
        switch self {
        case .rateLimited, .transient, .ambiguous, .malformed, .cancelled: true
        case .unauthorized, .rejected, .configuration: false
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
