/// A request id the API gave a job's submission, with the time its first status poll is due
/// (Unix ms): what `JobStore.recordSubmitted` commits.
public struct SubmittedRequest: Sendable, Equatable {
    public var jobID: Int64
    public var requestID: String
    public var firstPollAt: Int64
    /// The run whose claim sent it. On a shared store, a run whose claim another runner took
    /// over meanwhile (its lease lapsed) changes nothing of the job: its request is kept beside
    /// it as an extra attempt (a possible duplicate charge, polled for its cost). Nil: not
    /// checked (a single run's store).
    public var runID: String?

    public init(jobID: Int64, requestID: String, firstPollAt: Int64, runID: String? = nil) {
        self.jobID = jobID
        self.requestID = requestID
        self.firstPollAt = firstPollAt
        self.runID = runID
    }
}
