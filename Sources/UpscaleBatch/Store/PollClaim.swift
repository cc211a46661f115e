/// A job whose status call is due.
public struct PollClaim: Sendable, Equatable {
    public var jobID: Int64
    public var requestID: String
    public var pollCount: Int
    /// The job is final already: this is its one poll for its cost.
    public var isFinal: Bool = false
}
