/// What a status answer did to a job, for the runner's counters.
public struct PollResult: Sendable {
    public var claim: PollClaim
    /// nil when the call brought no usable answer: only the next poll time changes.
    public var answer: StatusAnswer?
    /// When to ask again if the job still needs polling (Unix ms).
    public var nextPollAt: Int64
    /// The API answered 404: it does not know the request id (counted in the store).
    public var notFound: Bool = false
    /// The rule that ends a request the API does not know (README, `run`), when it may apply.
    public var unknownRule: UnknownRequestRule?

    public init(
        claim: PollClaim, answer: StatusAnswer?, nextPollAt: Int64, notFound: Bool = false,
        unknownRule: UnknownRequestRule? = nil
    ) {
        self.claim = claim
        self.answer = answer
        self.nextPollAt = nextPollAt
        self.notFound = notFound
        self.unknownRule = unknownRule
    }
}
