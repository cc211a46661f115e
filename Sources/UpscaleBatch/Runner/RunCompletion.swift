/// The end of `run()`: the caller's continuation, resumed once with the outcome. Set by `run()`,
/// taken by the monitor's `finish`.
struct RunCompletion: Sendable {
    private(set) var finished = false
    private var continuation: CheckedContinuation<RunOutcome, Never>?

    mutating func wait(_ continuation: CheckedContinuation<RunOutcome, Never>) { self.continuation = continuation }

    /// Marks the run finished and returns the continuation to resume (nil the second time).
    mutating func finish() -> CheckedContinuation<RunOutcome, Never>? {
        finished = true
        defer { continuation = nil }
        return continuation
    }
}
