import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import UpscaleBatch
import WebhookReceiver

/// Requests the receiver refuses, and the health check: each refusal leaves the store as it was.
@Suite(.bounded) struct WebhookRequestTests {
    @Test func missingTokenIs401AndChangesNothing() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            let before = try await store.row(id)
            try await TestServer.with(store: store.store) { server async throws in
                let json = #"{"request_id": "req-1", "status": "success", "result": "https://cdn.test/x.png"}"#
                #expect(try await server.post("/webhook?ub_job=\(id)", json: json).status == 401)
                #expect(try await server.post("/webhook", json: json).status == 401)
                #expect(server.server.receivedCount == 0)
            }
            #expect(try await store.row(id) == before)
        }
    }

    @Test func wrongTokenIs401AndChangesNothing() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            let before = try await store.row(id)
            try await TestServer.with(store: store.store) { server async throws in
                let json = #"{"request_id": "req-1", "status": "success", "result": "https://cdn.test/x.png"}"#
                let wrong = String(server.secret.dropLast()) + (server.secret.hasSuffix("0") ? "1" : "0")
                #expect(try await server.post("/webhook?\(server.query(job: id, token: wrong))", json: json).status == 401)
                #expect(
                    try await server.post("/webhook?\(server.query(job: id, token: server.secret + "00"))", json: json).status
                        == 401)
                #expect(try await server.post("/webhook?\(server.query(job: id, token: ""))", json: json).status == 401)
            }
            #expect(try await store.row(id) == before)
        }
    }

    @Test func bodyOver64KiBIs413() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            let before = try await store.row(id)
            try await TestServer.with(store: store.store) { server async throws in
                let big = ByteBuffer(repeating: UInt8(ascii: " "), count: 100 * 1024)
                // Declared in Content-Length: refused before the body is read.
                #expect(try await server.post("/webhook?\(server.query(job: id))", body: .bytes(big)).status == 413)
                // Streamed without a length: refused once the stream passes the cap.
                let chunks = AsyncStream<ByteBuffer> { continuation in
                    for _ in 0..<25 { continuation.yield(ByteBuffer(repeating: UInt8(ascii: " "), count: 4096)) }
                    continuation.finish()
                }
                let streamed = HTTPClientRequest.Body.stream(chunks, length: .unknown)
                #expect(try await server.post("/webhook?\(server.query(job: id))", body: streamed).status == 413)
                // The server still answers afterwards.
                #expect(try await server.get("/healthz").status == 200)
            }
            #expect(try await store.row(id) == before)
        }
    }

    @Test(arguments: [
        "not json",
        "[]",
        "{}",
        #"{"request_id": "req-1"}"#,
        #"{"status": "success", "result": "https://cdn.test/x.png"}"#,
        #"{"request_id": 42, "status": "success", "result": "https://cdn.test/x.png"}"#,
        #"{"request_id": "req-1", "status": true, "result": "https://cdn.test/x.png"}"#,
        #"{"request_id": "req-1", "status": "success", "result": 7}"#,
        #"{"request_id": "", "status": "success", "result": "https://cdn.test/x.png"}"#,
    ])
    func malformedBodyIs400(json: String) async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            let before = try await store.row(id)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.post("/webhook?\(server.query(job: id))", json: json).status == 400)
            }
            #expect(try await store.row(id) == before)
        }
    }

    @Test func nonNumericJobParameterIs400() async throws {
        try await TestStore.with { store async throws in
            try await TestServer.with(store: store.store) { server async throws in
                let json = #"{"request_id": "req-1", "status": "success", "result": "https://cdn.test/x.png"}"#
                #expect(try await server.post("/webhook?ub_job=abc&ub_token=\(server.secret)", json: json).status == 400)
                #expect(try await server.post("/webhook?job=abc&token=\(server.secret)", json: json).status == 400)
                #expect(server.server.refusals.badRequest == 2)
            }
        }
    }

    @Test func unknownJobIs404() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id + 100, requestID: "req-unknown") == 404)
                #expect(try await server.deliver(job: nil, requestID: "req-unknown") == 404)
                #expect(server.server.receivedCount == 0)
            }
        }
    }

    @Test func healthCheckAnswersOK() async throws {
        try await TestStore.with { store async throws in
            try await TestServer.with(store: store.store) { server async throws in
                let answer = try await server.get("/healthz")
                #expect(answer.status == 200)
                #expect(answer.text == "ok")
                #expect(try await server.get("/prefix/healthz").status == 200)
                #expect(try await server.get("/").status == 404)
            }
        }
    }

    @Test(arguments: ["/", "/webhook", "/hooks/upscaler/callback"])
    func webhooksAreAcceptedOnAnyPath(path: String) async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", path: path) == 200)
                #expect(server.server.receivedCount == 1)
            }
            #expect(try await store.row(id).state == "COMPLETED")
        }
    }
}
