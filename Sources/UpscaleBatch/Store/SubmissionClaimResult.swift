/// What claiming a job for submission found.
public enum SubmissionClaimResult: Sendable, Equatable {
    /// The claim is this run's: send the request. `possibleDuplicate`: an earlier attempt was
    /// left in doubt, so this one may be a second charge.
    case claimed(possibleDuplicate: Bool)
    /// The job is no longer unsubmitted, or another live run holds its claim.
    case gone
    /// Its last attempt, in doubt, was sent with a webhook URL of ours: a webhook naming the
    /// job may still settle it; ask again at `until` (Unix ms).
    case waitForWebhook(until: Int64)
}
