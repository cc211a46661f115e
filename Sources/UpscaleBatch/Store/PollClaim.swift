/// A job whose status call is due.
public struct PollClaim: Sendable, Equatable {
    public var jobID: Int64
    public var requestID: String
    public var pollCount: Int
    /// The job is final already: this is its one poll for its cost.
    public var isFinal: Bool = false
    /// The run that claimed it, where claims name their owner (PostgreSQL): the answer's
    /// facts are recorded whoever holds the job now, but only the owner's answer ends the
    /// claim and schedules the next poll, so a runner that lapsed and woke up late never
    /// clears the claim of the runner that took its poll over.
    public var owner: String? = nil

    /// How long a claim holds, in ms, before the job falls due again (both engines): longer
    /// than one status call may take with its retries. On PostgreSQL never shorter than the
    /// claiming run's lease, so a live runner's claim does not lapse before its lease could.
    ///
    /// Why claims lapse: a PostgreSQL server may commit a claim and die before its answer
    /// reaches the runner, which then asks again and never polls the jobs of the lost answer;
    /// a claim that held for ever would keep them from being polled for the rest of the run.
    /// With the lapse they fall due again a minute later, at the cost of one poll more when a
    /// call of the first claim does answer (a poll is asked again safely).
    public static let lapse: Int64 = 60_000
}
