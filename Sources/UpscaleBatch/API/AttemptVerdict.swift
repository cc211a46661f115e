/// What one attempt's outcome means for the call, decided per endpoint and acted on by the
/// client's retry loop.
enum AttemptVerdict<Success: Sendable>: Sendable {
    /// A usable answer: complete with it.
    case success(Success)
    /// Complete with this error. `serverAnswered` is false when no readable answer arrived
    /// (an ambiguous submission): it then counts toward outage detection.
    case final(EnhancorError, serverAnswered: Bool)
    /// Retry (policy, budget and outage rules apply); complete with this error when retries
    /// run out. `countsTowardOutage` is false for an unreadable 2xx: the server is alive.
    case retry(EnhancorError, countsTowardOutage: Bool)
    /// A 429 with its raw Retry-After header.
    case rateLimited(retryAfter: String?)
}
