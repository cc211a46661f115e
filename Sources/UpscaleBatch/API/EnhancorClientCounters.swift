/// What one client did, for the run's summary and for tests: counted by the client itself.
public struct EnhancorClientCounters: Sendable, Equatable {
    /// HTTP requests handed to the connection pool (first attempts, retries and probes).
    public var requestsSent = 0
    /// Retries after transient failures (each one took a token from the retry budget).
    public var retries = 0
    /// Retries refused because the retry budget was empty.
    public var budgetRefusals = 0
    /// 429 answers received.
    public var rateLimited = 0
    /// Rate-limit pauses started (overlapping 429s extend one pause).
    public var rateLimitPauses = 0
    /// Outage pauses started (the client switched to probing).
    public var outagePauses = 0
    /// Outage probes sent.
    public var probes = 0
    /// Transient failures seen (5xx, timeouts, connection failures, unreadable status answers).
    public var transientFailures = 0
    /// Submissions that ended ambiguous.
    public var ambiguous = 0
    /// New connections opened to the API host (HTTP/1.1), counted as each one is set up.
    public var connectionsOpened = 0

    public init() {}
}
