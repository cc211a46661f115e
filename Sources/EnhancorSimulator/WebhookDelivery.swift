/// A webhook to send for one completed job: where, what, when, and how many copies.
///
/// Everything random about it (shuffle delay, duplication) is decided when the job is
/// submitted, under the simulator's lock, so a seed replays the same deliveries.
struct WebhookDelivery: Sendable {
    let requestID: String
    /// The job's `webhookUrl` exactly as the client gave it (query string kept).
    let url: String
    /// The result URL the payload announces.
    let resultURL: String
    /// When to send the first attempt.
    let dueAt: ContinuousClock.Instant
    /// 1, or 2 when this webhook is duplicated.
    let copies: Int

    /// The documented payload: `{"request_id", "result", "status": "success"}`.
    var payload: String {
        SimulatorJSON.object([
            ("request_id", .string(requestID)),
            ("result", .string(resultURL)),
            ("status", .string("success")),
        ])
    }
}
