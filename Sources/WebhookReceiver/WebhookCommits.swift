import Foundation
import Synchronization
import UpscaleBatch

/// Webhooks waiting for their commit. The first to arrive starts a commit at once; those that
/// arrive while it is under way are recorded together in the next one
/// (`JobStore.recordWebhooks`), so on a busy run one transaction serves many webhooks, and
/// none waits for a group to fill. Each sender is answered only once its webhook's commit is
/// done (an unrecorded webhook is never answered 200). Only for a store that gains from it
/// (SQLite); on PostgreSQL each webhook is recorded at once, in parallel with the others.
final class WebhookCommits: Sendable {
    typealias Answer = Result<WebhookOutcome, StoreError>

    private struct Waiting: Sendable {
        let webhook: ReceivedWebhook
        let answer: CheckedContinuation<Answer, Never>
    }

    /// The webhooks not yet taken into a commit, and whether a commit loop runs.
    private struct Queue: Sendable {
        var waiting: [Waiting] = []
        var committing = false

        /// Queues one; true when no commit runs and the caller must start one.
        mutating func add(_ one: Waiting) -> Bool {
            waiting.append(one)
            if committing { return false }
            committing = true
            return true
        }

        /// The next group to commit; nil (and the loop ends) when none waits.
        mutating func next() -> [Waiting]? {
            if waiting.isEmpty {
                committing = false
                return nil
            }
            defer { waiting = [] }
            return waiting
        }
    }

    private let store: any JobStore
    private let busyTimeout: TimeInterval
    private let queue = Mutex(Queue())

    /// Webhooks queued for the next commit (for tests).
    var waitingCount: Int { queue.withLock { $0.waiting.count } }
    /// A commit is under way (for tests).
    var committing: Bool { queue.withLock { $0.committing } }

    init(store: any JobStore, busyTimeout: TimeInterval) {
        self.store = store
        self.busyTimeout = busyTimeout
    }

    /// Records `webhook` with the others that come meanwhile; returns once it is committed.
    /// A store that records each on its own (`JobStore.recordsWebhooksTogether` false) gets it
    /// at once, beside the others in flight: a queue would only make them wait on each other.
    func record(_ webhook: ReceivedWebhook) async -> Answer {
        if !store.recordsWebhooksTogether {
            do {
                return .success(try await store.recordWebhooks([webhook], busyTimeout: busyTimeout)[0])
            } catch {
                return .failure(error)
            }
        }
        return await withCheckedContinuation { answer in
            if queue.withLock({ $0.add(Waiting(webhook: webhook, answer: answer)) }) {
                Task { await self.commitWhileWaiting() }
            }
        }
    }

    /// One commit at a time, each of every webhook that waits, until none does.
    private func commitWhileWaiting() async {
        while let group = queue.withLock({ $0.next() }) {
            let answers = await commit(group.map(\.webhook))
            for (waiting, answer) in zip(group, answers) { waiting.answer.resume(returning: answer) }
        }
    }

    /// The group in one call; when it fails for a reason of one webhook's own (not a store
    /// that is busy or lost), each is recorded alone so that the others are not refused with it.
    private func commit(_ webhooks: [ReceivedWebhook]) async -> [Answer] {
        do {
            return try await store.recordWebhooks(webhooks, busyTimeout: busyTimeout).map { .success($0) }
        } catch {
            switch error {
            case .busy, .unreachable, .unavailable:
                return webhooks.map { _ in .failure(error) }
            default:
                guard webhooks.count > 1 else { return [.failure(error)] }
                var answers: [Answer] = []
                for webhook in webhooks {
                    do {
                        answers.append(.success(try await store.recordWebhooks([webhook], busyTimeout: busyTimeout)[0]))
                    } catch {
                        answers.append(.failure(error))
                    }
                }
                return answers
            }
        }
    }
}
