/// The two endpoints of the API; the raw value is the path under the base URL and the value
/// of the `api.endpoint` log metadata.
enum APIEndpoint: String, Sendable {
    case queue
    case status

    /// A call to /queue is not safe to repeat once sent (it may create a second, charged
    /// request); a call to /status is.
    var isIdempotent: Bool { self == .status }
}
