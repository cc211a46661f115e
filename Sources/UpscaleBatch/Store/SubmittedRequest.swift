/// A request id the API gave a job's submission, with the time its first status poll is due
/// (Unix ms): what `JobStore.recordSubmitted` commits.
public struct SubmittedRequest: Sendable, Equatable {
    public var jobID: Int64
    public var requestID: String
    public var firstPollAt: Int64

    public init(jobID: Int64, requestID: String, firstPollAt: Int64) {
        self.jobID = jobID
        self.requestID = requestID
        self.firstPollAt = firstPollAt
    }
}
