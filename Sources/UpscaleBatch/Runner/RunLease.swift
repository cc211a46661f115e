import Dispatch

/// The run's lease as the runner counts it itself (cli.md: "a runner counts its own lease from
/// when it sent the renewal"): held until `lease` after the last renewal the store answered,
/// measured from when that renewal was sent, on the monotonic clock. The database's clock,
/// which decides when other runners may take this one's work, started counting no sooner, so
/// while this lease holds no other runner can have taken over (clocks that tick at the same
/// rate assumed). A runner whose lease lapsed (paused, partitioned, a store that does not
/// answer) starts no request until a renewal is answered.
///
/// Each lapse ends a term: work chosen in an earlier term (a poll claimed, a slot paced) may
/// have gone to another runner meanwhile, so the feeder starts it only if the term it chose it
/// in still holds. That closes the gap of a process paused between choosing work and sending
/// it, or woken by SIGCONT after the heartbeat has already renewed the lease.
///
/// It also remembers which runners were live at the last heartbeat: one that vanished left
/// work to take over.
struct RunLease: Sendable {
    private let duration: UInt64
    private var validUntil: UInt64
    private var lapseNoticed = false
    private var knownRunners: Set<String> = []
    /// Bumped by each renewal that ends a lapse.
    private(set) var term = 0

    /// A lease of `seconds`, first granted by a write sent at `sentAt` (uptime ns).
    init(seconds: Double, sentAt: UInt64) {
        duration = UInt64(seconds * 1_000_000_000)
        validUntil = sentAt + duration
    }

    /// Whether the lease holds at `now` (uptime ns).
    func isHeld(at now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool { now < validUntil }

    /// The first time the feeder finds the lease lapsed (for one warning), true.
    mutating func noticeLapse() -> Bool {
        defer { lapseNoticed = true }
        return !lapseNoticed
    }

    /// Whether the lease holds at `now` in the given term: work chosen then may start.
    func holds(term chosenIn: Int, at now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        term == chosenIn && isHeld(at: now)
    }

    /// A renewal sent at `sentAt` was answered at `answeredAt`. True when it ends a lapse
    /// (noticed by the feeder or not: a paused process notices nothing), which ends the term.
    mutating func renewed(sentAt: UInt64, answeredAt: UInt64) -> Bool {
        let lapsed = lapseNoticed || !isHeld(at: answeredAt)
        validUntil = max(validUntil, sentAt + duration)
        lapseNoticed = false
        if lapsed { term += 1 }
        return lapsed
    }

    /// The live runners now; returns those live at the last look that are gone.
    mutating func observe(_ live: Set<String>) -> Set<String> {
        defer { knownRunners = live }
        return knownRunners.subtracting(live)
    }
}
