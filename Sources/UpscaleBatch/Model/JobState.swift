/// A job's state. It mirrors the API's status values, so a status answer maps onto it directly.
///
/// The allowed moves live here and nowhere else: states only move forward
/// (PENDING → IN_QUEUE → IN_PROGRESS → COMPLETED | FAILED, skipping allowed, because the API
/// may report a later state before we saw an earlier one), COMPLETED and FAILED are final, and
/// the one way back is FAILED → PENDING through `retry`. The store asks `canMove(to:)` before
/// every state change, so a caller cannot corrupt a job by trusting a stale answer.
public enum JobState: String, CaseIterable, Sendable, Codable, Comparable {
    case pending = "PENDING"
    case inQueue = "IN_QUEUE"
    case inProgress = "IN_PROGRESS"
    case completed = "COMPLETED"
    case failed = "FAILED"

    /// COMPLETED and FAILED end a job; nothing but `retry` moves it again.
    public var isFinal: Bool { self == .completed || self == .failed }

    /// Position on the forward path; the two final states share the last rank.
    var rank: Int {
        switch self {
        case .pending: 0
        case .inQueue: 1
        case .inProgress: 2
        case .completed, .failed: 3
        }
    }

    public static func < (lhs: JobState, rhs: JobState) -> Bool { lhs.rank < rhs.rank }

    /// Whether an answer from the API may move a job from `self` to `next`.
    /// Staying in the same state is allowed (a repeated answer changes nothing);
    /// moving backwards or out of a final state is not.
    public func canMove(to next: JobState) -> Bool {
        if next == self { return true }
        if isFinal { return false }
        return next.rank > rank
    }

    /// The states from which an API answer may move a job to `next`: the store uses this
    /// list in a conditional UPDATE, so the check and the write are one atomic statement.
    public static func predecessors(of next: JobState) -> [JobState] {
        allCases.filter { $0.canMove(to: next) }
    }
}
