import Foundation

/// `run --rate N`: at most N requests per second across the pool, by spacing request starts at
/// least 1/N seconds apart. Spacing (rather than a bucket with a burst) makes N an upper bound
/// for every one-second window, not only on average. The API's 429s still win: the client
/// pauses on them whatever the pace.
struct RequestPacer: Sendable {
    let interval: Double
    private var next: Double = 0

    init(requestsPerSecond: Double) { interval = 1 / requestsPerSecond }

    /// Seconds to wait before the next request may start (0 when it may start now); reserves
    /// that start time.
    mutating func reserve(now: Double = ProcessInfo.processInfo.systemUptime) -> Double {
        let start = max(now, next)
        next = start + interval
        return start - now
    }
}
