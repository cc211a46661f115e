import Foundation

/// The job store's server lost during a run (cli.md, "The server lost during a run"): since
/// when, and whether the run may still wait for it.
///
/// Every thread of the run that reaches the store (the feeder, the commit queues, the monitor)
/// shares one outage, so the grace counts from the first failure, not from each caller's own:
/// a run whose store is gone for longer than the grace ends, however many calls retry.
struct StoreOutage: Sendable {
    /// When the first call failed, nil while the store answers.
    private(set) var began: Date?
    /// How many calls failed since it began (for the pause between tries).
    private var failures = 0
    /// What ended the run's wait, once the grace has passed: every later call fails at once
    /// with it rather than waiting for a connection of its own (the run is stopping).
    private(set) var gaveUp: StoreError?

    /// The longest a failing call can have known of the loss before it failed: the longest
    /// wait for a connection (`PostgresJobStore.leaseDeadline`).
    static let longestFailingCall = 15.0

    /// A call begun at `callStarted` failed at `now`: the pause before trying again, or nil
    /// when `grace` seconds have passed since the outage began (the run gives up). An outage
    /// begins when its first failing call began (a call may wait a while for a connection
    /// before it fails), but no earlier than `longestFailingCall` before the failure: a call
    /// that began long before had its process stopped meanwhile (SIGSTOP, a suspended VM), and
    /// the time it was stopped says nothing of the store. `first` says whether this failure
    /// began the outage (logged once).
    mutating func failed(callStarted: Date, at now: Date, grace: Double) -> (pause: Double, first: Bool)? {
        guard gaveUp == nil else { return nil }
        let first = began == nil
        let start = began ?? max(callStarted, now.addingTimeInterval(-Self.longestFailingCall))
        began = start
        failures += 1
        let elapsed = now.timeIntervalSince(start)
        guard elapsed < grace else { return nil }
        // Short pauses first (a restart takes a second or two), then every 2 s at most, and
        // never past the grace's end: the last try comes as the grace runs out.
        let pause = min(0.1 * Double(1 << min(failures, 5)), 2.0, max(grace - elapsed, 0.01))
        return (pause, first)
    }

    /// The run stops waiting with `error` (the grace has passed).
    mutating func giveUp(_ error: StoreError) {
        if gaveUp == nil { gaveUp = error }
    }

    /// A call succeeded: the outage (if any) is over; returns how long it lasted.
    mutating func answered(at now: Date) -> Double? {
        defer {
            began = nil
            failures = 0
        }
        return began.map { now.timeIntervalSince($0) }
    }
}

extension StoreError {
    /// Whether running the same call again later may work: the server is unreachable or cannot
    /// serve now (a restart, too many connections, a statement or lock timeout). Refusals,
    /// missing permissions and SQLite's own errors are not retried.
    var mayPassWithTime: Bool {
        switch self {
        case .unreachable, .unavailable: true
        default: false
        }
    }
}
