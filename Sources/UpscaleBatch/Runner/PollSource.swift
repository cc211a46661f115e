/// Where the feeder's next status poll comes from: polls claimed in the store and not started
/// yet, the duplicate attempts owed their one cost poll, and when asking the store is worth it.
///
/// With nothing due the feeder does not ask the store on a tick: it asks again at the next due
/// time the store gave (`JobStore.nextDuePoll`), or sooner when a commit of ours or the
/// monitor's look at the store names an earlier one (`dueBy`).
struct PollSource: Sendable {
    /// Polls claimed in the store (marked as being polled), not started yet.
    private var claimedPolls: [PollClaim] = []
    /// Duplicate attempts owed their one cost poll; one stays listed until its request has
    /// started, so the run cannot end in between.
    private(set) var attempts: [AttemptPollClaim] = []
    /// Unix ms before which no poll of the store is due; `Int64.max` when none awaits one.
    private(set) var askAfter: Int64 = 0
    /// The earliest due time named (`dueBy`) while the store was being asked: the store's
    /// answer may predate it, so it must not be forgotten.
    private var namedDuringAsk: Int64?

    init(attempts: [AttemptPollClaim] = []) { self.attempts = attempts }

    /// Whether the store should be asked for due polls at `now`.
    func shouldAsk(now: Int64) -> Bool { claimedPolls.isEmpty && now >= askAfter }

    /// The feeder is about to ask the store.
    mutating func asking() { namedDuringAsk = nil }

    /// Polls the store handed out; the store is asked again no sooner than `askAfter` (unless
    /// a commit names an earlier due time, `dueBy`).
    mutating func claimed(_ claims: [PollClaim], askAfter: Int64) {
        claimedPolls.append(contentsOf: claims)
        self.askAfter = max(self.askAfter, askAfter)
    }

    /// The store had none due; the next falls due at `next` (nil: none awaits a poll).
    mutating func nothingDue(next: Int64?) { askAfter = min(next ?? Int64.max, namedDuringAsk ?? Int64.max) }

    /// A poll falls due by `time` (a commit of ours set it, or the store says so): ask then.
    mutating func dueBy(_ time: Int64) {
        askAfter = min(askAfter, time)
        namedDuringAsk = min(namedDuringAsk ?? Int64.max, time)
    }

    /// The run's lease lapsed: the polls claimed and not started may be another runner's by
    /// now. They are not started; the store is asked again once the lease is renewed (the
    /// claims this run still holds fall due again when they lapse).
    mutating func dropClaimed() {
        claimedPolls = []
        askAfter = 0
    }

    /// The next claimed poll to start.
    mutating func takeClaimed() -> PollClaim? { claimedPolls.isEmpty ? nil : claimedPolls.removeFirst() }

    /// The next duplicate attempt to poll (left listed until `started`).
    var nextAttempt: AttemptPollClaim? { attempts.first }

    /// A duplicate attempt's poll has started.
    mutating func started(_ attempt: AttemptPollClaim) { attempts.removeAll { $0 == attempt } }
}
