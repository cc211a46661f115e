import Foundation
import GRDB
import TestSupport
import Testing
import UpscaleBatch
import WebhookReceiver

/// What an accepted webhook does to the job store, over real HTTP.
@Suite(.bounded) struct WebhookRecordingTests {
    @Test func successCompletesTheJobWithItsResult() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inProgress, requestID: "req-1", cost: 480)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", result: "https://cdn.test/1.png") == 200)
                #expect(server.server.receivedCount == 1)
            }
            let row = try await store.row(id)
            #expect(row.state == "COMPLETED")
            #expect(row.resultURL == "https://cdn.test/1.png")
            #expect(row.finishedBy == "webhook")
            #expect(row.finishedAt != nil)
            #expect(row.cost == 480)
            #expect(row.nextPollAt == nil)  // the cost is known: no poll needed
            #expect(row.possibleDuplicate == false)
        }
    }

    @Test func unknownCostMakesTheJobDueForOnePoll() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .pending, requestID: "req-1")
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1") == 200)
            }
            let row = try await store.row(id)
            #expect(row.state == "COMPLETED")
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(row.nextPollAt != nil)
            #expect((row.nextPollAt ?? .max) <= now)
        }
    }

    @Test func duplicateDeliveryChangesNothingTwice() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1", cost: 120)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", result: "https://cdn.test/first.png") == 200)
                try await store.markUpdatedAt(id)
                let afterFirst = try await store.row(id)
                #expect(try await server.deliver(job: id, requestID: "req-1", result: "https://cdn.test/second.png") == 200)
                #expect(try await server.deliver(job: nil, requestID: "req-1", result: "https://cdn.test/third.png") == 200)
                #expect(try await store.row(id) == afterFirst)
                #expect(afterFirst.resultURL == "https://cdn.test/first.png")
                #expect(server.server.receivedCount == 3)
            }
        }
    }

    @Test(arguments: ["failed", "error", "IN_PROGRESS", "SUCCESS"])
    func nonSuccessStatusIsIgnored(status: String) async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            let before = try await store.row(id)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", status: status) == 200)
            }
            #expect(try await store.row(id) == before)
        }
    }

    @Test func successWithoutResultIsIgnored() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1")
            let before = try await store.row(id)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", result: nil) == 200)
                let json = #"{"request_id": "req-1", "status": "success", "result": null}"#
                #expect(try await server.post("/webhook?\(server.query(job: id))", json: json).status == 200)
            }
            #expect(try await store.row(id) == before)
        }
    }

    @Test func failedJobIsNotCompleted() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .failed, requestID: "req-1", cost: 480)
            try await store.markUpdatedAt(id)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-1", result: "https://cdn.test/late.png") == 200)
            }
            let row = try await store.row(id)
            #expect(row.state == "FAILED")
            #expect(row.finishedBy == nil)
            // The evidence that the image was processed is kept; the state is not touched.
            #expect(row.resultURL == "https://cdn.test/late.png")
        }
    }

    @Test func lateWebhookForAPolledJobAddsOnlyAMissingResult() async throws {
        try await TestStore.with { store async throws in
            let withResult = try await store.insertJob(
                state: .completed, requestID: "req-1", cost: 480, resultURL: "https://cdn.test/polled.png")
            let withoutResult = try await store.insertJob(state: .completed, requestID: "req-2", cost: 480)
            try await store.markUpdatedAt(withResult)
            let before = try await store.row(withResult)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: withResult, requestID: "req-1", result: "https://cdn.test/hook.png") == 200)
                #expect(
                    try await server.deliver(job: withoutResult, requestID: "req-2", result: "https://cdn.test/hook2.png") == 200)
            }
            #expect(try await store.row(withResult) == before)
            let added = try await store.row(withoutResult)
            #expect(added.state == "COMPLETED")
            #expect(added.resultURL == "https://cdn.test/hook2.png")
            #expect(added.finishedBy == nil)  // a poll finished it, not this webhook
        }
    }

    @Test func webhookBeforeTheSubmissionAnswerIsMatchedByJobID() async throws {
        try await TestStore.with { store async throws in
            // The attempt is recorded (`submitting`) before its POST; its answer is not yet.
            let id = try await store.insertJob(state: .pending, requestID: nil, submitting: true)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-early") == 200)
            }
            let row = try await store.row(id)
            #expect(row.state == "COMPLETED")
            #expect(row.requestID == "req-early")
            #expect(row.submittedAt != nil)
            #expect(row.finishedBy == "webhook")
            #expect(row.nextPollAt != nil)  // no cost yet: poll once for it
            #expect(row.possibleDuplicate == false)
        }
    }

    @Test func webhookFromAnEarlierAttemptIsKeptAsADuplicateAttempt() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-second", cost: 480)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-first", result: "https://cdn.test/first.png") == 200)
                // A second delivery of it changes nothing twice.
                #expect(try await server.deliver(job: id, requestID: "req-first", result: "https://cdn.test/first.png") == 200)
            }
            let row = try await store.row(id)
            #expect(row.possibleDuplicate)
            #expect(row.state == "IN_QUEUE")  // the job follows its own request
            #expect(row.requestID == "req-second")
            let attempts = try SQLiteHandEdit.read(store.store) { db in
                try Row.fetchAll(db, sql: "SELECT * FROM job_attempts WHERE job_id = ?", arguments: [id])
            }
            #expect(attempts.count == 1)
            #expect(attempts.first?["reason"] == "duplicate")
            #expect(attempts.first?["request_id"] == "req-first")
            #expect(attempts.first?["result_url"] == "https://cdn.test/first.png")
            #expect((attempts.first?["next_poll_at"] as Int64?) != nil)  // owed one poll for its cost
        }
    }

    @Test func webhookForAJobWithNoSubmissionOutIs409AndChangesNothing() async throws {
        try await TestStore.with { store async throws in
            let never = try await store.insertJob(state: .pending)
            let retried = try await store.insertJob(state: .failed, requestID: "req-old", cost: 240)
            _ = try await store.store.retryFailed()
            try await store.markUpdatedAt(never)
            try await store.markUpdatedAt(retried)
            let (neverBefore, retriedBefore) = (try await store.row(never), try await store.row(retried))
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: never, requestID: "forged") == 409)
                #expect(try await server.deliver(job: retried, requestID: "forged") == 409)
                #expect(try await server.deliver(job: never, requestID: "forged", status: "failed") == 409)
                #expect(server.server.refusals.noSubmission == 3)
            }
            #expect(try await store.row(never) == neverBefore)
            #expect(try await store.row(retried) == retriedBefore)
        }
    }

    @Test func anyStatusSettlesAnAttemptInDoubt() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .pending, requestID: nil, submitting: true)
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-doubt", status: "processing", result: nil) == 200)
            }
            let row = try await store.row(id)
            #expect(row.requestID == "req-doubt")
            #expect(row.state == "PENDING")  // the poller follows it from here
            #expect(row.nextPollAt != nil)
        }
    }

    @Test func webhookFromAnEarlierAttemptOfAFinishedJobKeepsItsResult() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(
                state: .completed, requestID: "req-second", cost: 480, resultURL: "https://cdn.test/second.png")
            try await TestServer.with(store: store.store) { server async throws in
                #expect(try await server.deliver(job: id, requestID: "req-first", result: "https://cdn.test/first.png") == 200)
            }
            let row = try await store.row(id)
            #expect(row.possibleDuplicate)
            #expect(row.state == "COMPLETED")
            #expect(row.resultURL == "https://cdn.test/second.png")
        }
    }

    @Test func recordWebhookOutcomes() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1", cost: 10)
            let s = store.store
            func record(_ job: Int64?, _ request: String, _ status: String, _ result: String?) async throws -> WebhookOutcome {
                try await s.recordWebhook(jobID: job, requestID: request, status: status, resultURL: result, busyTimeout: nil)
            }
            #expect(try await record(nil, "nope", "success", "u") == .unknownJob)
            #expect(try await record(id, "req-1", "failed", nil) == .ignored(jobID: id))
            #expect(try await record(id, "req-1", "success", "u") == .completed(jobID: id))
            #expect(try await record(id, "req-1", "success", "u") == .alreadyRecorded(jobID: id))
        }
    }
}
