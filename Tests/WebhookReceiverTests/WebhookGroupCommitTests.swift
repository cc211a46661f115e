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
            var inserted: [Int64] = []
            for index in 0..<5 {
                inserted.append(try await store.insertJob(state: .inQueue, requestID: "req-\(index)", cost: 100))
            }
            let ids = inserted
            let webhooks = ids.enumerated().map { index, id in
                ReceivedWebhook(jobID: id, requestID: "req-\(index)", status: "success", resultURL: "https://r/\(index)")
            }
            let commits = WebhookCommits(store: store.store, busyTimeout: 60)
            // Another connection holds the write lock: the first commit waits on it.
            let holder = try await holdWriteLock(of: store.path)
            defer { try? holder.close() }
            let released = Mutex(false)
            async let first = commits.record(webhooks[0])
            // Declared after `first`, so it runs before `first` is awaited when a wait fails.
            defer { if !released.withLock({ $0 }) { try? holder.inDatabase { db in try db.execute(sql: "ROLLBACK") } } }
            try await waitUntil("the first webhook's commit started") { commits.committing && commits.waitingCount == 0 }
            let later = Task {
                await withTaskGroup(of: (Int, WebhookCommits.Answer).self) { group in
                    for index in 1..<5 { group.addTask { (index, await commits.record(webhooks[index])) } }
                    return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
            }
            // While the first commit waits, the other four queue behind it instead of each
            // starting a transaction of its own.
            try await waitUntil("the other four wait for the next commit") { commits.waitingCount == 4 }
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
            released.withLock { $0 = true }

            #expect(try (await first).get() == .completed(jobID: ids[0]))
            let answers = await later.value
            for index in 1..<5 { #expect(try answers[index]?.get() == .completed(jobID: ids[index]), "webhook \(index)") }
            #expect(commits.waitingCount == 0 && !commits.committing)
            for id in ids { #expect(try await store.row(id).state == "COMPLETED") }
        }
    }
}
