/// What the simulator saw and did, for tests and benchmarks to check a client against.
///
/// A snapshot (`SimulatorServer.ledger()`, or `GET /__admin/ledger` as JSON with snake_case
/// keys): counting on the server side is the only honest way to learn how many requests,
/// duplicates and charges a client really caused.
public struct SimulatorLedger: Sendable, Codable, Equatable {
    /// Endpoint ("queue", "status", "other") -> HTTP status code as a string -> count.
    /// A `/queue` answer broken off on purpose (`dropAfterAcceptRate`) counts as "dropped".
    public var requests: [String: [String: Int]]
    /// Most API requests ever in flight at once.
    public var maxInFlight: Int
    /// `img_url` -> number of accepted `/queue` submissions (more than 1: a duplicate charge).
    public var submissionsByURL: [String: Int]
    /// Credits quoted per request id.
    public var costByRequestID: [String: Int]
    /// The simulator's own current status per request id (never held back or disguised).
    public var stateByRequestID: [String: String]
    /// Webhook POSTs answered 2xx.
    public var webhooksSent: Int
    /// Webhook attempts that failed (non-2xx answer or connection error).
    public var webhooksFailed: Int
    /// Webhooks never delivered: non-loopback targets (never contacted), attempts used up.
    public var webhooksNotDelivered: Int
    /// Every API request received (admin and result downloads excluded).
    public var totalRequests: Int
    /// `GET /results/...` downloads answered with the image.
    public var resultDownloads: Int
    /// The most API requests that arrived within any one second (a sliding window).
    public var busiestSecond: Int

    enum CodingKeys: String, CodingKey {
        case requests
        case maxInFlight = "max_in_flight"
        case submissionsByURL = "submissions_by_url"
        case costByRequestID = "cost_by_request_id"
        case stateByRequestID = "state_by_request_id"
        case webhooksSent = "webhooks_sent"
        case webhooksFailed = "webhooks_failed"
        case webhooksNotDelivered = "webhooks_not_delivered"
        case totalRequests = "total_requests"
        case resultDownloads = "result_downloads"
        case busiestSecond = "busiest_second"
    }

    /// The number of answers with `code` (e.g. "200", "429") for `endpoint`, 0 when none.
    public func count(_ endpoint: String, _ code: String) -> Int {
        requests[endpoint]?[code] ?? 0
    }
}
