/// The body the API POSTs to a job's webhook URL (enhancor-api.md, "Webhook Notifications").
///
/// Decoded strictly: `request_id` and `status` must be strings, `result` a string when present;
/// anything else is answered 400. Unknown extra fields are ignored (api-notes.md).
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
