/// What recording one webhook did to the job store; the receiver maps it to an HTTP status.
///
/// `unknownJob` (404) and `noSubmission` (409) are refused: every other outcome is answered 200 so the sender
/// stops retrying, because the store now holds everything the webhook could tell us.
public enum WebhookOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Neither the request id nor the job id names a job in this store (404).
    case unknownJob
    /// A status other than "success", or no result URL: nothing changed, the poller decides.
    case ignored(jobID: Int64)
    /// The job has no submission out (never submitted, or moved back by `retry`): nothing
    /// changed (409).
    case noSubmission(jobID: Int64)
    /// A status other than success for a job whose submission had no request id yet (its answer
    /// not recorded, or in doubt): the request id was adopted; the poller follows it.
    case adopted(jobID: Int64)
    /// A request id that is not the job's: another request the API ran for it (a duplicate
    /// charge), kept beside the job as an extra attempt.
    case duplicateAttempt(jobID: Int64)
    /// The job moved to COMPLETED with the webhook's result URL.
    case completed(jobID: Int64)
    /// A duplicate delivery, or a job that was already final: at most a missing result URL
    /// (or the possible-duplicate mark) was added; the state did not change.
    case alreadyRecorded(jobID: Int64)

    /// The job the webhook was matched to, when there was one.
    public var jobID: Int64? {
        switch self {
        case .unknownJob: nil
        case .ignored(let id), .completed(let id), .alreadyRecorded(let id), .noSubmission(let id), .adopted(let id),
            .duplicateAttempt(let id):
            id
        }
    }

    /// A short word for logs and summaries.
    public var description: String {
        switch self {
        case .unknownJob: "unknown-job"
        case .ignored: "ignored"
        case .completed: "completed"
        case .alreadyRecorded: "already-recorded"
        case .noSubmission: "no-submission"
        case .adopted: "adopted"
        case .duplicateAttempt: "duplicate-attempt"
        }
    }
}
