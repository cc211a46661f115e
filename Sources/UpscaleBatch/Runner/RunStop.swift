import Foundation

/// Why the run stops, set once by whoever first sees a reason: the answers (a refused key, a
/// refusal streak), the feeder (the spending cap), the monitor (the maximum wait, a store
/// error) or the caller (a signal). The feeder reads it to hand out nothing more, the monitor to
/// wind down, and `finish` for the outcome: the outcome comes from here, not from flags.
///
/// Two depths of stop: `submissionsEnded` stops new submissions while the jobs already out are
/// still followed to the end; `halt` stops every new request, and the run ends once those in
/// flight have finished (or the grace period is over).
struct RunStop: Sendable {
    /// Why submissions ended before every job was submitted; the run goes on polling.
    enum SubmissionsEnd: Sendable, Equatable {
        /// The same refusal for several jobs in a row (an account problem, not a job's).
        case refusalStreak(message: String)
        /// The next submission could have passed the spending cap.
        case spendCap(Int64)
    }

    private(set) var submissionsEnded: SubmissionsEnd?
    /// The outcome of a halted run, and when the halt was asked for (the grace period's start).
    private(set) var halted: (outcome: RunOutcome, at: Date)?

    /// Nothing new may start at all.
    var isHalted: Bool { halted != nil }
    /// No new submission may start (a halt stops them too).
    var submissionsOver: Bool { halted != nil || submissionsEnded != nil }

    /// Ends submissions for `reason`; false when they had ended already (the first reason stays).
    mutating func endSubmissions(_ reason: SubmissionsEnd) -> Bool {
        guard submissionsEnded == nil else { return false }
        submissionsEnded = reason
        return true
    }

    /// Halts the run with `outcome`; a later halt keeps the first outcome and its time.
    mutating func halt(_ outcome: RunOutcome, at date: Date) {
        if halted == nil { halted = (outcome, date) }
    }

    /// The run's outcome: a halt's, else why submissions ended, else what the store says of the
    /// scope (`natural`, read only when needed).
    func outcome(otherwise natural: () -> RunOutcome) -> RunOutcome {
        if let halted { return halted.outcome }
        switch submissionsEnded {
        case .refusalStreak(let message): return .refusalStreak(message: message)
        case .spendCap(let cap): return .maxSpendReached(cap: cap)
        case nil: return natural()
        }
    }
}
