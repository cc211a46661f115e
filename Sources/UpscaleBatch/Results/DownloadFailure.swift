/// Why one result could not be kept, and whether trying again could help.
///
/// Permanent failures are recorded in `download_error` with the prefix `permanent: ` and are
/// not tried again by later `download` runs (unless asked to, `--retry-failed`), so an expired
/// URL does not fail every night's cron job forever: an expired (403/404/410) or refused (other
/// 4xx) URL, a result that is not an image, one over the size limit, a URL that is not
/// http(s), too many redirects. Everything else (connection errors, timeouts, 429, 5xx, a body
/// cut short, a local disk error) is transient: the job stays pending and the next run retries.
public struct DownloadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for `download_error` and logs; never holds the URL's query string.
    public var reason: String
    /// True when a later attempt would meet the same answer.
    public var isPermanent: Bool

    public init(_ reason: String, permanent: Bool) {
        self.reason = reason
        isPermanent = permanent
    }

    /// The prefix that marks a permanent failure in `download_error`.
    public static let permanentPrefix = "permanent: "

    /// The text stored in `download_error`.
    public var storedText: String { isPermanent ? Self.permanentPrefix + reason : reason }

    public var description: String { storedText }

    static func httpStatus(_ code: Int) -> DownloadFailure {
        switch code {
        case 403, 404, 410:
            DownloadFailure("result URL expired or gone (HTTP \(code)); run the job again to get a new one", permanent: true)
        case 408, 425, 429, 500...599:
            DownloadFailure("HTTP \(code) from the result server; will retry", permanent: false)
        default:
            DownloadFailure("HTTP \(code) from the result server", permanent: code >= 400 && code < 500)
        }
    }
}
