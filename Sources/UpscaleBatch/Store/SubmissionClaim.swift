/// A job the runner is about to submit.
public struct SubmissionClaim: Sendable, Equatable {
    public var jobID: Int64
    public var url: String
    public var mode: Mode
}
