/// The body the API POSTs to a job's webhook URL: `{"request_id", "status", "result"}`.
///
/// Decoded strictly: `request_id` and `status` must be strings, `result` a string when present;
/// anything else is answered 400. Unknown extra fields are ignored, so a field the API adds later breaks nothing.
struct WebhookPayload: Decodable, Sendable {
    var requestID: String
    var status: String
    var result: String?

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case status
        case result
    }
}
