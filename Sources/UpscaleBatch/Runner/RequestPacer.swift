import Foundation

/// `run --rate N`: at most N requests per second across the pool, by spacing request starts at
/// least 1/N seconds apart. Spacing (rather than a bucket with a burst) makes N an upper bound
/// for every one-second window, not only on average. The API's 429s still win: the client
/// pauses on them whatever the pace.
///
/// A pacer that falls behind (the feeder was not scheduled for a while) never catches up with
/// a burst: each start is reserved at least one interval after the previous one, whatever the
/// clock says now. It also measures itself: `busiestSecond` is the most starts it reserved in
/// any one-second window, the figure `--rate` promises (what reaches the API can bunch further
/// by the time requests spend between their start and their arrival).
struct RequestPacer: Sendable {
    let interval: Double
    private var next: Double = 0
    /// Start times of the last second, oldest first (at most N + 1 of them).
    private var recentStarts: [Double] = []
    private(set) var busiestSecond = 0

    init(requestsPerSecond: Double) { interval = 1 / requestsPerSecond }

    /// Seconds to wait before the next request may start (0 when it may start now); reserves
    /// that start time.
    mutating func reserve(now: Double = ProcessInfo.processInfo.systemUptime) -> Double {
        let start = max(now, next)
        next = start + interval
        recentStarts.removeAll { start - $0 >= 1 }
        recentStarts.append(start)
        busiestSecond = max(busiestSecond, recentStarts.count)
        return start - now
    }
}
