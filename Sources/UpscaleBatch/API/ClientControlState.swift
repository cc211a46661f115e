/// The mutable state every request of one client shares, kept under one lock so each decision
/// (admit, retry, pause, count) is one short critical section with no suspension inside.
struct ClientControlState: Sendable {
    /// A request parked at the gate or on a timer, able to be resumed or cancelled.
    struct Waiting: Sendable {
        let id: UInt64
        /// Send it now; `true` when it goes as the outage probe.
        let resume: @Sendable (_ asProbe: Bool) -> Void
        /// Complete it with `.cancelled`.
        let cancel: @Sendable () -> Void
    }

    var gate: PauseGate<Waiting>
    var budget: RetryBudget
    var counters = EnhancorClientCounters()
    /// Requests waiting on a timer (a backoff or a rate-limit pause), by id.
    var timed: [UInt64: Waiting] = [:]
    var cancelled = false
    var nextID: UInt64 = 0

    init(policy: RetryPolicy, now: Double) {
        gate = PauseGate(policy: policy)
        budget = RetryBudget(policy.budget, now: now)
    }

    mutating func makeID() -> UInt64 {
        nextID &+= 1
        return nextID
    }
}
