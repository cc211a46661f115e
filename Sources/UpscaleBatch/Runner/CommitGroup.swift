/// Answers waiting for their commit: those that arrive while a commit is under way are
/// committed together in the next one (a group commit). Nothing waits for a group to fill: the
/// first answer schedules a commit at once, so an answer is held back at most by the one commit
/// before it. Filled by the answers, emptied by a commit queue.
///
/// The runner keeps one for poll answers and one for submissions' answers: on a busy run one
/// transaction (and one crossing of the store bridge) then serves many jobs.
struct CommitGroup<Element: Sendable>: Sendable {
    private var pending: [Element] = []
    private var scheduled = false

    /// Nothing waits and no commit is scheduled.
    var isIdle: Bool { pending.isEmpty && !scheduled }

    /// Queues `element`; true when a commit must be scheduled for it.
    mutating func add(_ element: Element) -> Bool {
        pending.append(element)
        if scheduled { return false }
        scheduled = true
        return true
    }

    /// The answers to commit now; the next answer schedules a new commit.
    mutating func take() -> [Element] {
        defer {
            pending = []
            scheduled = false
        }
        return pending
    }
}
