/// Where the feeder's next submission comes from, and the rules on it: resubmissions of
/// ambiguous answers first, then attempts in doubt whose wait for a webhook is over, then the
/// scope's unsubmitted jobs read ahead from the store in id order; `--max-spend`'s guard
/// decides whether the next one may go.
///
/// Changed by the feeder (reads, takes), the commit queue (resubmissions, withdrawals), the poll
/// answers (quotes) and the monitor (doubts a webhook settled); always behind the runner's lock
/// for it, never together with another part's lock.
struct SubmissionSource: Sendable {
    /// Unsubmitted jobs read ahead from the store, not handed out yet.
    private var readAhead: [SubmissionClaim] = []
    /// The last job id read from the store: the next read starts after it.
    private(set) var cursor: Int64 = 0
    /// The store has no more unsubmitted jobs after `cursor`.
    private var exhausted = false
    /// Submissions whose answer was lost: sent again (flagged as a possible duplicate).
    private var resubmit: [SubmissionClaim] = []
    /// Jobs whose attempt in doubt waits for a webhook until the time given (Unix ms).
    private var waitingForWebhook: [(claim: SubmissionClaim, until: Int64)] = []
    /// `--max-spend`'s guard, nil without a cap.
    private var spend: SpendGuard?

    /// Another runner's work was left (its lease lapsed): read the scope again from its start
    /// at the feeder's next look (`applyRescan`), never in the middle of gathering a claim.
    private(set) var rescanRequested = false

    init(spend: SpendGuard?) { self.spend = spend }

    mutating func requestRescan() { rescanRequested = true }

    /// Starts reading the scope again from its start, when asked to, once the jobs read ahead
    /// are all handed out. Called by the feeder between claims: every job it has taken is
    /// claimed by then, so the store (which leaves out this run's submissions under way and in
    /// doubt) never hands one out twice. The jobs read ahead are never dropped: one may be a
    /// lapsed runner's submission in doubt, which the read made this run's, and which no later
    /// read would hand out again (it counts as this run's own in doubt).
    mutating func applyRescan() {
        guard rescanRequested, readAhead.isEmpty else { return }
        rescanRequested = false
        cursor = 0
        exhausted = false
    }

    /// Nothing is left to hand out and nothing more will come from the store (no rescan asked).
    var isDrained: Bool {
        exhausted && readAhead.isEmpty && resubmit.isEmpty && waitingForWebhook.isEmpty && !rescanRequested
    }

    /// Whether the store must be read before the next submission can be chosen.
    var needsRead: Bool { resubmit.isEmpty && readAhead.isEmpty && !exhausted }

    /// The jobs read from the store after `cursor`; none means the store has no more.
    mutating func read(_ claims: [SubmissionClaim]) {
        readAhead = claims
        if let last = claims.last { cursor = last.jobID } else { exhausted = true }
    }

    /// What the feeder may submit now.
    enum Next: Equatable {
        case submit(SubmissionClaim)
        /// Nothing now: the source is empty, or a quote must come first.
        case nothing
        /// The next submission could pass the spending cap of this many credits.
        case capReached(Int64)
    }

    /// Takes the next submission, `now` (Unix ms) deciding which doubts' waits are over.
    mutating func take(now: Int64) -> Next {
        if let index = waitingForWebhook.firstIndex(where: { $0.until <= now }) {
            return .submit(waitingForWebhook.remove(at: index).claim)
        }
        let fromResubmit = !resubmit.isEmpty
        guard let next = fromResubmit ? resubmit.first : readAhead.first else { return .nothing }
        if var guardian = spend {
            switch guardian.decide(next.mode) {
            case .waitForQuote: return .nothing
            case .capReached: return .capReached(guardian.cap)
            case .submit:
                guardian.submitted(job: next.jobID, mode: next.mode)
                spend = guardian
            }
        }
        if fromResubmit { resubmit.removeFirst() } else { readAhead.removeFirst() }
        return .submit(next)
    }

    /// The earliest time (Unix ms) a doubt's wait for its webhook is over, nil when none waits.
    var nextDoubtDeadline: Int64? { waitingForWebhook.map(\.until).min() }

    /// A submission whose answer was lost goes again.
    mutating func resubmitLater(_ claim: SubmissionClaim) { resubmit.append(claim) }

    /// An attempt in doubt waits for a webhook until `until`; false when it already waits.
    mutating func waitForWebhook(_ claim: SubmissionClaim, until: Int64) -> Bool {
        guard !waitingForWebhook.contains(where: { $0.claim.jobID == claim.jobID }) else { return false }
        waitingForWebhook.append((claim, until))
        return true
    }

    /// The jobs whose attempt in doubt waits for a webhook.
    var waitingJobIDs: [Int64] { waitingForWebhook.map(\.claim.jobID) }

    /// Webhooks settled these doubts: they are not resubmitted.
    mutating func settled(_ jobIDs: Set<Int64>) { waitingForWebhook.removeAll { jobIDs.contains($0.claim.jobID) } }

    /// A submission that the API did not take will never be quoted.
    mutating func withdrawn(job: Int64) { spend?.withdrawn(job: job) }

    /// A status answer quoted `cost` for `job`.
    mutating func quoted(job: Int64, cost: Int64) { spend?.quoted(job: job, cost: cost) }
}
