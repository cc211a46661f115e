import Dispatch

/// `run --rate N`: at most N requests per second across the pool, by spacing request starts at
/// least 1/N seconds apart. Spacing (rather than a bucket with a burst) makes N an upper bound
/// for every one-second window, not only on average. The API's 429s still win: the client
/// pauses on them whatever the pace.
///
/// A pacer that falls behind (the feeder was not scheduled for a while) never catches up with
/// a burst: each start is reserved at least one interval after the previous one, whatever the
/// clock says now. It also measures itself: `busiestSecond` is the most starts it reserved in
/// any one-second window, the figure `--rate` promises (what reaches the API can bunch further
/// by the time requests spend between their start and their arrival). Times are whole
/// nanoseconds, so that bound is exact: no rounding lets a 21st start into a window of 20.
struct RequestPacer: Sendable {
    /// Nanoseconds between two starts, rounded up so the spacing is never under 1/N s.
    private(set) var interval: UInt64
    private var next: UInt64 = 0
    /// Start times of the last second, oldest first (at most N of them).
    private var recentStarts: [UInt64] = []
    private(set) var busiestSecond = 0

    private static let second: UInt64 = 1_000_000_000

    init(requestsPerSecond: Double) {
        interval = Self.interval(requestsPerSecond)
    }

    /// A new pace (the run's part of the store's rate changed at a heartbeat), from the next
    /// start reserved on: one already reserved keeps its time.
    mutating func pace(requestsPerSecond: Double) {
        interval = Self.interval(requestsPerSecond)
    }

    private static func interval(_ requestsPerSecond: Double) -> UInt64 {
        UInt64((Double(second) / requestsPerSecond).rounded(.up))
    }

    /// Reserves the next start and returns its time (monotonic nanoseconds, as `now`): the
    /// feeder waits for it on a deadline, however far off (a rate below 0.1/s included).
    mutating func reserveStart(now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> UInt64 {
        let start = max(now, next)
        next = start + interval
        recentStarts.removeAll { start - $0 >= Self.second }
        recentStarts.append(start)
        busiestSecond = max(busiestSecond, recentStarts.count)
        return start
    }

    /// Seconds to wait before the next request may start (0 when it may start now); reserves
    /// that start time. `now` is a monotonic time in nanoseconds.
    mutating func reserve(now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Double {
        Double(reserveStart(now: now) - now) / Double(Self.second)
    }
}
