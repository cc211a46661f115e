import AsyncHTTPClient
import Logging

/// One API call on its way through the retry loop: what to send, how to judge an answer,
/// whom to tell, and how much of its allowance it has used.
///
/// A value passed from step to step (attempt, timer, gate), never shared, so it needs no lock.
struct PendingCall<Success: Sendable>: Sendable {
    let id: UInt64
    let endpoint: APIEndpoint
    let request: HTTPClient.Request
    let logger: Logger
    let judge: @Sendable (CollectedResponse) -> AttemptVerdict<Success>
    let completion: @Sendable (Result<Success, EnhancorError>) -> Void
    /// Transient failures charged to this call (outage waits are not charged).
    var failures = 0
    /// 429 answers this call received.
    var rateLimitedCount = 0
}
