/// How the client retries: one policy for every endpoint, so behaviour under failure is
/// predictable and can be reasoned about in one place.
///
/// Backoff is exponential with full jitter (a uniformly random delay between 0 and the
/// ceiling), which spreads retries of many requests that failed together. A `RetryBudget`
/// shared by all requests bounds how many retries an outage can cause; when it runs out (or
/// `outageAfterConsecutiveFailures` transient failures come in a row) the client stops
/// retrying request by request and probes instead (see `PauseGate`).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per request for transient failures, the first one included.
    public var maxAttempts: Int = 5
    /// Ceiling of the first retry's delay, in seconds; it doubles per further retry.
    public var baseDelay: Double = 0.2
    /// Largest retry delay, in seconds.
    public var maxDelay: Double = 10
    /// How many 429 answers one request may get before it fails with `.rateLimited`.
    /// 429s are paced by the server's Retry-After, so they do not use up `maxAttempts`.
    public var maxRateLimitedAttempts: Int = 50
    /// Pause used when a 429 has no usable Retry-After, in seconds.
    public var defaultRetryAfter: Double = 1
    /// Longest pause a Retry-After may impose, in seconds.
    public var maxRetryAfter: Double = 60
    /// Transient failures in a row (across all requests) after which the client pauses and
    /// probes; nil disables outage probing (retries then end with `.transient`).
    public var outageAfterConsecutiveFailures: Int? = 8
    /// First delay between outage probes, in seconds; doubles per failed probe.
    public var probeBaseDelay: Double = 0.5
    /// Largest delay between outage probes, in seconds.
    public var probeMaxDelay: Double = 30
    /// The shared retry budget's parameters.
    public var budget: RetryBudget.Parameters = .init()

    public init() {}

    /// Upper bound of the delay before retry number `retry` (1 for the first retry).
    public func backoffCeiling(retry: Int) -> Double {
        Self.exponential(step: retry - 1, base: baseDelay, cap: maxDelay)
    }

    /// The delay before retry number `retry`: uniformly random in 0...ceiling (full jitter).
    public func backoff(retry: Int, using generator: inout some RandomNumberGenerator) -> Double {
        let ceiling = backoffCeiling(retry: retry)
        return ceiling > 0 ? Double.random(in: 0...ceiling, using: &generator) : 0
    }

    /// Delay before the next outage probe after `failedProbes` failed probes: the ceiling
    /// grows exponentially; half of it is fixed and half jittered so probes never bunch at 0.
    public func probeDelay(failedProbes: Int, using generator: inout some RandomNumberGenerator) -> Double {
        let ceiling = Self.exponential(step: failedProbes, base: probeBaseDelay, cap: probeMaxDelay)
        return ceiling / 2 + (ceiling > 0 ? Double.random(in: 0...(ceiling / 2), using: &generator) : 0)
    }

    static func exponential(step: Int, base: Double, cap: Double) -> Double {
        guard base > 0 else { return 0 }
        let exponent = Double(min(max(step, 0), 62))
        return min(cap, base * pow2(exponent))
    }

    private static func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            value *= 2
            remaining -= 1
        }
        return value
    }
}
