import Foundation
import GRDB
import TestSupport
import Testing
import WebhookReceiver

@testable import UpscaleBatch

/// A store locked by another process's transaction: the webhook is answered 503 (the sender
/// retries), never 200 for something not recorded, and goes through once the lock is gone.
@Suite(.bounded) struct WebhookBusyStoreTests {
    @Test func lockedStoreIs503ThenRecordedOnRetry() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1", cost: 480)
            // The receiver's own connection gives up after 0.2 s instead of the store's minute.
            let impatient = try JobStore(existingAt: store.path, busyTimeout: 0.2)
            // Another connection (standing in for another process) holds the write lock.
            var config = Configuration()
            config.allowsUnsafeTransactions = true
            let holder = try DatabaseQueue(path: store.path, configuration: config)
            try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            do {
                try await TestServer.with(store: impatient) { server async throws in
                    #expect(try await server.deliver(job: id, requestID: "req-1") == 503)
                    #expect(server.server.receivedCount == 0)
                    #expect(try await store.row(id).state == "IN_QUEUE")
                    try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
                    #expect(try await server.deliver(job: id, requestID: "req-1") == 200)
                    #expect(server.server.receivedCount == 1)
                }
            } catch {
                try? await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
                throw error
            }
            #expect(try await store.row(id).state == "COMPLETED")
            try holder.close()
            try impatient.database.close()
        }
    }
}
