import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import NIOPosix
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
            // Another connection (standing in for another process) holds the write lock.
            let holder = try await holdWriteLock(of: store.path)
            do {
                // The receiver gives up after 0.2 s instead of its 5 s (`busyTimeout`).
                try await TestServer.with(store: store.store, busyTimeout: 0.2) { server async throws in
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
        }
    }
}

/// Issue 14, point 9: a webhook waits at most 5 s for a store another process is writing (the
/// store's own timeout is a minute, longer than any sender waits), and a connection that
/// trickles a request is dropped.
@Suite(.bounded) struct WebhookLimitsTests {
    @Test func aBusyStoreIsAnswered503BeforeTheSenderGivesUp() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1", cost: 480)
            let holder = try await holdWriteLock(of: store.path)
            defer { try? holder.close() }
            do {
                // The store as `webhook serve` opens it (a minute's busy timeout); a sender that
                // waits 30 s, as senders do, must get an answer, and it must be 503.
                try await TestServer.with(store: store.store) { server async throws in
                    var request = HTTPClientRequest(
                        url: "http://127.0.0.1:\(server.server.port)/webhook?\(server.query(job: id))")
                    request.method = .POST
                    request.body = .bytes(ByteBuffer(string: #"{"request_id": "req-1", "status": "success", "result": "u"}"#))
                    let response = try await server.client.execute(request, timeout: .seconds(30))
                    #expect(response.status.code == 503)
                }
                try await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            } catch {
                try? await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
                throw error
            }
            #expect(try await store.row(id).state == "IN_QUEUE")
        }
    }

    @Test func aConnectionThatTricklesARequestIsDropped() async throws {
        try await TestStore.with { store async throws in
            try await TestServer.with(store: store.store, requestDeadline: 0.5) { server async throws in
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: server.server.port).get()
                let head = "POST /webhook?\(server.query(job: 1)) HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n"
                // A body that cannot complete within the test's deadline at this pace.
                var bytes = Array(head.utf8) + Array(repeating: UInt8(ascii: "x"), count: 1000)
                // One byte every 0.1 s: each byte would restart an idle timeout; the deadline
                // must not restart. Generous deadline: 60 s of trickling fails the test.
                let giveUp = Date().addingTimeInterval(60)
                while channel.isActive && !bytes.isEmpty && Date() < giveUp {
                    let byte = bytes.removeFirst()
                    try? await channel.writeAndFlush(ByteBuffer(bytes: [byte])).get()
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(!channel.isActive, "the receiver still held a trickling connection after 60 s")
                try? await channel.close().get()
            }
        }
    }
}

/// Another connection, standing in for another process, that holds the store's write lock
/// (an open `BEGIN IMMEDIATE`) until it rolls back or closes.
func holdWriteLock(of path: String) async throws -> DatabaseQueue {
    var config = Configuration()
    config.allowsUnsafeTransactions = true
    let holder = try DatabaseQueue(path: path, configuration: config)
    try await holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
    return holder
}
