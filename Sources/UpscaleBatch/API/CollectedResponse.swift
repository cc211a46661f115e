import NIOHTTP1

/// An HTTP answer reduced to what the client reads: status, Retry-After, and a bounded body.
struct CollectedResponse: Sendable {
    var status: Int
    var retryAfter: String?
    var body: [UInt8]
    /// The body went over the limit and was cut (an oversized answer is never trusted).
    var truncated: Bool
}
