/// What a run did, counted as it goes, for the summary and the benchmarks.
public struct RunStatistics: Sendable, Equatable {
    /// POST /queue sent.
    public var submissions = 0
    /// Submissions the API accepted (a request id recorded).
    public var accepted = 0
    /// Submissions with no readable answer: resubmitted, and the resubmission flagged.
    public var ambiguous = 0
    /// Submissions that went out while an earlier attempt of the same job was in doubt.
    public var possibleDuplicates = 0
    /// Jobs the API refused (failed with its message, or held back by a refusal streak).
    public var refused = 0
    /// Jobs left unsubmitted because the API kept failing (the client's retries ran out).
    public var unsubmittedAfterErrors = 0
    /// POST /status sent, and those that brought no usable answer.
    public var polls = 0
    public var pollErrors = 0
    /// Status answers with a status value the API does not document.
    public var unknownStatuses = 0
    /// Jobs failed by `--job-timeout`.
    public var timedOut = 0
    /// Status polls answered 404 (the API does not know the request id).
    public var notFoundAnswers = 0
    /// Jobs ended FAILED because the API does not know their request id.
    public var unknownRequests = 0
    /// Duplicate attempts (extra requests a webhook revealed) polled for their cost.
    public var duplicateAttemptPolls = 0
    /// The cost the API quoted for them.
    public var duplicateAttemptCost: Int64 = 0
    /// Resubmissions held back for `--doubt-wait` because a webhook might settle the doubt.
    public var doubtsWaited = 0
    /// The most API requests this run had in flight at once (never above the concurrency).
    public var maxInFlight = 0
    /// With a request rate set: the most request starts in any one-second window (the pacer's
    /// own schedule, the bound the rate promises); nil without one.
    public var busiestSecondOfStarts: Int?

    public init() {}
}
