import Synchronization

/// One timer for every `LeasedCall` in flight: four times a second it runs each call's check.
///
/// Why not a watchdog task per call: every store call then cost a task and a Dispatch timer,
/// and a cancelled `Task.sleep` keeps its timer until the deadline it was given, so each
/// answered call left its timer behind for up to 250 ms. (The same effect in
/// postgres-nio's pool timers made a 100,000-job run grow by 20 MB: see
/// `PostgresSettings.connectionIdleTimeout`.) One loop that runs while calls are in flight,
/// and ends when none are, costs the same whatever the number of calls.
final class LeasedCallWatchdog: Sendable {
    static let shared = LeasedCallWatchdog()

    /// A call's place in the watchdog, to leave it with.
    struct Ticket: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct State {
        var checks: [Ticket: @Sendable (ContinuousClock.Instant) -> Void] = [:]
        var nextID: UInt64 = 0
        var looping = false
    }

    private let state = Mutex(State())
    private let interval = Duration.milliseconds(250)

    /// Adds a call's check; starts the loop when it was not running.
    func add(_ check: @escaping @Sendable (ContinuousClock.Instant) -> Void) -> Ticket {
        let (ticket, start) = state.withLock { state in
            state.nextID += 1
            let ticket = Ticket(id: state.nextID)
            state.checks[ticket] = check
            defer { state.looping = true }
            return (ticket, !state.looping)
        }
        if start { Task { await self.loop() } }
        return ticket
    }

    func remove(_ ticket: Ticket) {
        state.withLock { _ = $0.checks.removeValue(forKey: ticket) }
    }

    /// Every `interval`, runs the checks of the calls in flight; ends when there are none
    /// (the next `add` starts it again).
    private func loop() async {
        while true {
            try? await Task.sleep(for: interval)
            let checks = state.withLock { state -> [@Sendable (ContinuousClock.Instant) -> Void]? in
                if state.checks.isEmpty {
                    state.looping = false
                    return nil
                }
                return Array(state.checks.values)
            }
            guard let checks else { return }
            let now = ContinuousClock.now
            for check in checks { check(now) }
        }
    }
}
