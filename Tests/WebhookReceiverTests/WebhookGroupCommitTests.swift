import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing
import UpscaleBatch

@testable import WebhookReceiver

/// Issue 15, point 3: webhooks that arrive while a commit is under way wait for the next one
/// and are recorded together; each sender's answer comes only after its own commit.
@Suite(.bounded) struct WebhookGroupCommitTests {
    @Test func webhooksArrivingDuringACommitAreRecordedTogetherInTheNext() async throws {
        try await TestStore.with { store async throws in
            let (ids, webhooks) = try await jobsInQueue(5, of: store)
            let commits = WebhookCommits(store: store.store, busyTimeout: 60)
            let (first, later) = try await recordAsOneGroupBehindTheFirst(webhooks, commits: commits, path: store.path)

            #expect(try first.get() == .completed(jobID: ids[0]))
            for index in 1..<5 { #expect(try later[index]?.get() == .completed(jobID: ids[index]), "webhook \(index)") }
            // The loop ends once none waits; it may still be ending as the last answers arrive.
            try await waitUntil("the commit loop ended") { commits.waitingCount == 0 && !commits.committing }
            for id in ids { #expect(try await store.row(id).state == "COMPLETED") }
        }
    }

    /// A group whose one call fails for a reason of one webhook's own, neither a busy store nor
    /// a lost one (here its job's row holds a state this version does not know, which the store
    /// refuses to guess at), is recorded again one webhook at a time: the others of the group
    /// are recorded and answered as such, and only that webhook's sender gets the failure (503,
    /// so it retries), instead of the whole group being refused with it.
    @Test func aGroupThatFailsForOneWebhookIsRecordedOneAtATime() async throws {
        try await TestStore.with { store async throws in
            let (ids, webhooks) = try await jobsInQueue(4, of: store)
            try SQLiteHandEdit.withoutTransaction(store.store) { db in
                try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                try db.execute(sql: "UPDATE jobs SET state = 'SHELVED' WHERE id = ?", arguments: [ids[2]])
                try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
            }
            // What the group of the last three meets in one call: an error that is not `busy`,
            // and nothing of the group recorded (the transaction is rolled back).
            var groupError: StoreError?
            do { _ = try await store.store.recordWebhooks(Array(webhooks[1...]), busyTimeout: 60) } catch {
                groupError = error as? StoreError
            }
            guard case .sqlite = groupError else {
                Issue.record("the group's one call should fail with StoreError.sqlite, got \(String(describing: groupError))")
                return
            }
            #expect(try await store.row(ids[1]).state == "IN_QUEUE")

            let commits = WebhookCommits(store: store.store, busyTimeout: 60)
            let (first, later) = try await recordAsOneGroupBehindTheFirst(webhooks, commits: commits, path: store.path)

            #expect(first == .success(.completed(jobID: ids[0])))
            #expect(later[1] == .success(.completed(jobID: ids[1])))
            #expect(later[3] == .success(.completed(jobID: ids[3])))
            if case .failure(.sqlite(_, let detail)) = later[2] {
                #expect(detail.contains("job \(ids[2]) has an unknown state 'SHELVED'"))
            } else {
                Issue.record("the webhook of the unreadable job should fail alone, got \(String(describing: later[2]))")
            }
            // The loop ends once none waits; it may still be ending as the last answers arrive.
            try await waitUntil("the commit loop ended") { commits.waitingCount == 0 && !commits.committing }
            for index in [0, 1, 3] { #expect(try await store.row(ids[index]).state == "COMPLETED", "job \(index)") }
            #expect(try await store.row(ids[2]).state == "SHELVED")
        }
    }

    /// `count` jobs in queue, each with its request id, and the success webhook of each.
    private func jobsInQueue(_ count: Int, of store: TestStore) async throws -> ([Int64], [ReceivedWebhook]) {
        var ids: [Int64] = []
        for index in 0..<count {
            ids.append(try await store.insertJob(state: .inQueue, requestID: "req-\(index)", cost: 100))
        }
        let webhooks = ids.enumerated().map { index, id in
            ReceivedWebhook(jobID: id, requestID: "req-\(index)", status: "success", resultURL: "https://r/\(index)")
        }
        return (ids, webhooks)
    }

    /// Records the first of `webhooks` while another connection holds the store's write lock, so
    /// that its commit waits on it, and the others meanwhile, so that they queue behind it and
    /// are the next commit's one group; then lets go of the lock. Returns the first one's
    /// answer and the others' by their index in `webhooks`.
    private func recordAsOneGroupBehindTheFirst(
        _ webhooks: [ReceivedWebhook], commits: WebhookCommits, path: String
    ) async throws -> (first: WebhookCommits.Answer, others: [Int: WebhookCommits.Answer]) {
        let holder = try await holdWriteLock(of: path)
        defer { try? holder.close() }
        let released = Mutex(false)
        async let first = commits.record(webhooks[0])
        // Declared after `first`, so it runs before `first` is awaited when a wait fails.
        defer { if !released.withLock({ $0 }) { try? holder.inDatabase { db in try db.execute(sql: "ROLLBACK") } } }
        try await waitUntil("the first webhook's commit started") { commits.committing && commits.waitingCount == 0 }
        let others = Task {
            await withTaskGroup(of: (Int, WebhookCommits.Answer).self) { group in
                for index in 1..<webhooks.count { group.addTask { (index, await commits.record(webhooks[index])) } }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
        }
        // While the first commit waits, the others queue behind it instead of each starting a
        // transaction of its own.
        try await waitUntil("the others wait for the next commit") { commits.waitingCount == webhooks.count - 1 }
        try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        released.withLock { $0 = true }
        return (await first, await others.value)
    }
}
