/// Exact cost sums in the API's unit (credits): integers, never floating point.
///
/// `total` is everything the API quoted; `completed` is what was spent; `failed` is what was
/// quoted on jobs that failed, which users report as refunded, so reports show it apart.
/// `duplicate` is what the API quoted for extra requests it ran for a job (duplicate charges a
/// webhook revealed); it is part of `total`, apart from `completed` and `failed`.
public struct CostTotals: Sendable, Equatable, Codable {
    public var total: Int64
    public var completed: Int64
    public var failed: Int64
    public var duplicate: Int64

    public init(total: Int64 = 0, completed: Int64 = 0, failed: Int64 = 0, duplicate: Int64 = 0) {
        self.total = total
        self.completed = completed
        self.failed = failed
        self.duplicate = duplicate
    }
}
