/// Poll answers waiting for their commit: answers that arrive while a commit is under way are
/// committed together in the next one. Filled by the answers, emptied by the poll commit queue.
struct PollCommits: Sendable {
    private var pending: [PollResult] = []
    private var scheduled = false

    /// Nothing waits and no commit is scheduled.
    var isIdle: Bool { pending.isEmpty && !scheduled }

    /// Queues `result`; true when a commit must be scheduled for it.
    mutating func add(_ result: PollResult) -> Bool {
        pending.append(result)
        if scheduled { return false }
        scheduled = true
        return true
    }

    /// The answers to commit now; the next answer schedules a new commit.
    mutating func take() -> [PollResult] {
        defer {
            pending = []
            scheduled = false
        }
        return pending
    }
}
