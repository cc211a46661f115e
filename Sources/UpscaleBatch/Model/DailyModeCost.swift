/// The cost of one mode's jobs submitted on one UTC day, completed and failed apart: one
/// segment pair of the cost page's chart.
public struct DailyModeCost: Sendable, Equatable {
    /// `YYYY-MM-DD`, the UTC day of submission.
    public var day: String
    public var mode: String
    /// What COMPLETED jobs cost (spent).
    public var completed: Int64
    /// What the API quoted on FAILED jobs (reported as refunded).
    public var failed: Int64

    public init(day: String, mode: String, completed: Int64, failed: Int64) {
        self.day = day
        self.mode = mode
        self.completed = completed
        self.failed = failed
    }
}
