/// The store-wide figures behind the gauges: the same from every process that reads them.
public struct StoreMetricsSnapshot: Sendable, Equatable {
    /// Jobs per state, every state present (zero when none).
    public var counts: [JobState: Int]
    /// Seconds since the oldest job not yet final was imported; nil when every job is final.
    public var oldestUnfinishedAge: Double?
    /// Runs working the store now (on SQLite, 0 or 1: the one holding the run lock).
    public var runnersAlive: Int
    /// Unix time of the last run that ended with every job of its scope final (exit 0 or 1).
    public var lastSuccess: Double?

    public init(counts: [JobState: Int], oldestUnfinishedAge: Double?, runnersAlive: Int, lastSuccess: Double?) {
        self.counts = counts
        self.oldestUnfinishedAge = oldestUnfinishedAge
        self.runnersAlive = runnersAlive
        self.lastSuccess = lastSuccess
    }
}
