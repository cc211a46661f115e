/// What keeps a run going, counted over its scope in the store (`JobStore.runOutstanding`).
public struct RunOutstanding: Sendable, Equatable {
    /// Jobs with a request id and not final.
    public var inFlight: Int
    /// Jobs (final ones owed their one cost poll included) waiting for a poll.
    public var awaitingPoll: Int
    /// Jobs `PENDING` with no request id, whoever holds them: submissions to come or in doubt.
    public var unsubmitted: Int

    public init(inFlight: Int, awaitingPoll: Int, unsubmitted: Int) {
        self.inFlight = inFlight
        self.awaitingPoll = awaitingPoll
        self.unsubmitted = unsubmitted
    }
}
