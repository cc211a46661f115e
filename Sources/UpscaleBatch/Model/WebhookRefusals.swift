/// Webhooks the receiver refused, by reason, for the run's summary: each one is a webhook
/// whose result did not reach the store, so a non-zero count points at a misconfiguration.
public struct WebhookRefusals: Sendable, Equatable {
    /// 401: missing or wrong `ub_token` (a proxy rewriting the query, another store's secret).
    public var wrongToken = 0
    /// 400: a body or parameter that is not the documented one.
    public var badRequest = 0
    /// 404: neither the request id nor the job id is known to this store.
    public var unknownJob = 0
    /// 409: the job has no submission out (never submitted, or moved back by `retry`).
    public var noSubmission = 0

    public init() {}

    public var total: Int { wrongToken + badRequest + unknownJob + noSubmission }

    /// Counts one refusal by its HTTP status.
    public mutating func add(status: Int) {
        switch status {
        case 401: wrongToken += 1
        case 404: unknownJob += 1
        case 409: noSubmission += 1
        default: badRequest += 1
        }
    }
}
