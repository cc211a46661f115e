import Foundation
import TestSupport
import Testing
import UpscaleBatch
import WebhookReceiver

/// Issue 14, point 4: our parameters are `ub_job` / `ub_token`, after the user's own query
/// string; the receiver reads only those, and the old `job` / `token` only when no `ub_` one
/// is present (jobs submitted by earlier versions).
@Suite(.bounded) struct WebhookParameterTests {
    @Test func theUsersOwnTokenAndJobParametersAreNotOurs() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            try await TestServer.with(store: store.store) { server async throws in
                let json = #"{"request_id": "req-1", "status": "success", "result": "https://cdn.test/x.png"}"#
                let url = WebhookURL.callbackURL(
                    base: "http://127.0.0.1:\(server.server.port)/x?token=proxy-secret&job=nightly", jobID: id,
                    secret: server.secret)
                let pathAndQuery = String(url.dropFirst("http://127.0.0.1:\(server.server.port)".count))
                #expect(try await server.post(pathAndQuery, json: json).status == 200)
                #expect(server.server.refusals.total == 0)
            }
            #expect(try await store.row(id).state == "COMPLETED")
        }
    }

    @Test func jobsOfEarlierVersionsStillMatchWithTheOldNames() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", legacy: true) == 200)
            }
            #expect(try await store.row(id).state == "COMPLETED")
        }
    }

    @Test func oldNamesAreIgnoredWhenOursArePresent() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            try await TestServer.with(store: store.store) { server async throws in
                let json = #"{"request_id": "req-1", "status": "success", "result": "https://cdn.test/x.png"}"#
                // The right secret under the user's `token`, a wrong one under ours: refused.
                #expect(
                    try await server.post("/x?token=\(server.secret)&ub_job=\(id)&ub_token=wrong", json: json).status == 401)
                #expect(server.server.refusals.wrongToken == 1)
            }
            #expect(try await store.row(id).state == "IN_QUEUE")
        }
    }

    @Test func refusalsAreCountedByReason() async throws {
        try await TestStore.with { store async throws in
            let never = try await store.insertJob(state: .pending)
            try await TestServer.with(store: store.store) { server async throws in
                let json = #"{"request_id": "req-x", "status": "success", "result": "https://cdn.test/x.png"}"#
                #expect(try await server.post("/x?ub_job=1&ub_token=wrong", json: json).status == 401)
                #expect(try await server.post("/x?\(server.query(job: 1))", json: "{").status == 400)
                #expect(try await server.post("/x?\(server.query(job: 999))", json: json).status == 404)
                #expect(try await server.post("/x?\(server.query(job: never))", json: json).status == 409)
                var expected = WebhookRefusals()
                expected.wrongToken = 1
                expected.badRequest = 1
                expected.unknownJob = 1
                expected.noSubmission = 1
                #expect(server.server.refusals == expected)
                #expect(server.server.receivedCount == 0)
            }
        }
    }
}
