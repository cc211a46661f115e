import Dispatch

/// The run's lease as the runner counts it itself (cli.md: "a runner counts its own lease from
/// when it sent the renewal"): held until `lease` after the last renewal the store answered,
/// measured from when that renewal was sent, on the monotonic clock. The database's clock,
/// which decides when other runners may take this one's work, started counting no sooner, so
/// while this lease holds no other runner can have taken over (clocks that tick at the same
/// rate assumed). A runner whose lease lapsed (paused, partitioned, a store that does not
/// answer) starts no request until a renewal is answered.
///
/// It also remembers which runners were live at the last heartbeat: one that vanished left
/// work to take over.
struct RunLease: Sendable {
    private let duration: UInt64
    private var validUntil: UInt64
    private var lapseNoticed = false
    private var knownRunners: Set<String> = []

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

    /// A renewal sent at `sentAt` was answered. True when it ends a lapse the feeder noticed.
    mutating func renewed(sentAt: UInt64) -> Bool {
        validUntil = max(validUntil, sentAt + duration)
        defer { lapseNoticed = false }
        return lapseNoticed
    }

    /// The live runners now; returns those live at the last look that are gone.
    mutating func observe(_ live: Set<String>) -> Set<String> {
        defer { knownRunners = live }
        return knownRunners.subtracting(live)
    }
}
