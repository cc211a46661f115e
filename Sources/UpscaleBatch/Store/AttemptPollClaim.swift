/// An extra request the API ran for a job (a duplicate charge a webhook revealed), owed one
/// status poll for its cost.
public struct AttemptPollClaim: Sendable, Equatable {
    public var attemptID: Int64
    public var jobID: Int64
    public var requestID: String
}
