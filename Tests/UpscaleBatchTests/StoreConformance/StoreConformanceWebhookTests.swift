import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Webhooks (every outcome), duplicate attempts, the account, downloads and the report,
/// through the contract, on every engine.
@Suite(.bounded) struct StoreConformanceWebhookTests {
    /// Webhooks that arrived together (the receiver's group commit): each decided as if recorded
    /// alone after the ones before it, its outcome in its place.
    @Test(arguments: StoreEngine.allCases) func webhooksRecordedTogether(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun((1...3).map { "https://x.test/\($0).jpg" })
            try await store.submit(ids[1], runID: run.runID, requestID: "req-1")
            try await store.submit(ids[2], runID: run.runID, requestID: "req-2")
            let group = [
                ReceivedWebhook(jobID: ids[1], requestID: "req-1", status: "success", resultURL: "https://r/1"),
                ReceivedWebhook(jobID: ids[1], requestID: "req-1", status: "success", resultURL: "https://r/1-again"),
                ReceivedWebhook(jobID: nil, requestID: "nobody", status: "success", resultURL: "https://r/x"),
                ReceivedWebhook(jobID: ids[0], requestID: "req-forged", status: "success", resultURL: "https://r/x"),
                ReceivedWebhook(jobID: ids[2], requestID: "req-2", status: "failed", resultURL: nil),
            ]
            let outcomes = try await store.recordWebhooks(group, busyTimeout: 5)
            #expect(
                outcomes == [
                    .completed(jobID: ids[1]), .alreadyRecorded(jobID: ids[1]), .unknownJob, .noSubmission(jobID: ids[0]),
                    .ignored(jobID: ids[2]),
                ])
            let completed = try #require(try await store.job(id: ids[1]))
            #expect(completed.state == .completed && completed.resultURL == "https://r/1")
            #expect(try await store.job(id: ids[0])?.state == .pending)
            #expect(try await store.job(id: ids[2])?.state == .pending)
            #expect(try await store.recordWebhooks([], busyTimeout: 5).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.allCases) func everyWebhookOutcome(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun((1...5).map { "https://x.test/\($0).jpg" })
            func record(_ job: Int64?, _ request: String, _ status: String, _ result: String?) async throws -> WebhookOutcome {
                try await store.recordWebhook(jobID: job, requestID: request, status: status, resultURL: result, busyTimeout: 5)
            }
            #expect(try await record(nil, "nobody", "success", "https://r/x") == .unknownJob)
            #expect(try await record(999_999, "nobody", "success", "https://r/x") == .unknownJob)
            #expect(try await record(ids[0], "req-forged", "success", "https://r/x") == .noSubmission(jobID: ids[0]))

            try await store.submit(ids[1], runID: run.runID, requestID: "req-1")
            #expect(try await record(nil, "req-1", "failed", nil) == .ignored(jobID: ids[1]))
            #expect(try await record(nil, "req-1", "success", "https://r/1") == .completed(jobID: ids[1]))
            #expect(try await record(ids[1], "req-1", "success", "https://r/1") == .alreadyRecorded(jobID: ids[1]))
            #expect(try await store.job(id: ids[1])?.state == .completed)
            // Completed without a cost: due for the one poll that learns it.
            #expect(try await store.nextDuePoll(batch: nil) != nil)

            // An attempt in doubt: a webhook's request id is adopted, whatever its status.
            _ = try await store.claimSubmission(jobID: ids[2], runID: run.runID, webhookOfOurs: true, doubtWait: 60, account: nil)
            try await store.recordSubmissionUnresolved(jobID: ids[2], error: "timeout", keepInDoubt: true)
            #expect(try await record(ids[2], "req-2", "processing", nil) == .adopted(jobID: ids[2]))
            #expect(try await store.job(id: ids[2])?.requestID == "req-2")
            #expect(try await store.settledJobs([ids[2]]) == [ids[2]])

            // A webhook for another request of a job that follows one: a duplicate charge.
            try await store.submit(ids[3], runID: run.runID, requestID: "req-3")
            #expect(try await record(ids[3], "req-3-other", "success", "https://r/3b") == .duplicateAttempt(jobID: ids[3]))
            #expect(try await record(ids[3], "req-3-other", "success", "https://r/3b") == .alreadyRecorded(jobID: ids[3]))
            #expect(try await store.job(id: ids[3])?.possibleDuplicate == true)
            #expect(try await store.job(id: ids[3])?.requestID == "req-3")

            let owed = try await store.duplicateAttemptsToPoll(batch: nil)
            #expect(owed.map(\.requestID) == ["req-3-other"])
            #expect(owed.map(\.jobID) == [ids[3]])
            #expect(try await store.duplicateAttemptsToPoll(batch: "no-such-batch").isEmpty)
            try await store.recordDuplicateAttemptPoll(
                owed[0], answer: StatusAnswer(state: .completed, rawStatus: "COMPLETED", cost: 75), notFound: false)
            #expect(try await store.duplicateAttemptsToPoll(batch: nil).isEmpty)
            let status = try await store.statusSnapshot(batch: nil, runID: nil)
            #expect(status.costs.duplicate == 75)
            let report = try await store.costReport(by: .mode, filter: ReportFilter())
            #expect(report.costs.duplicate == 75)
        }
    }

    /// A webhook that finishes a job whose status poll is in flight leaves the claim alone:
    /// the poll's answer sets the next time, and no second poll of the job starts meanwhile.
    @Test(arguments: StoreEngine.allCases) func aWebhookDuringAPollDoesNotMakeTheJobDueTwice(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun(["https://x.test/polled.jpg"])
            try await store.submit(ids[0], runID: run.runID, requestID: "req-0")
            let claims = try await store.claimDuePolls(limit: 10, batch: nil, runID: "run-test")
            #expect(claims.map(\.jobID) == ids)
            let outcome = try await store.recordWebhook(
                jobID: ids[0], requestID: "req-0", status: "success", resultURL: "https://r/0", busyTimeout: 5)
            #expect(outcome == .completed(jobID: ids[0]))
            #expect(
                try await store.claimDuePolls(limit: 10, batch: nil, runID: "run-test").isEmpty,
                "the poll in flight still holds the job")
            // The poll answers (the job is final, its cost still unknown): due again when it says.
            let soon = StoreClock.millis() - 1
            _ = try await store.recordPollResults([PollResult(claim: claims[0], answer: nil, nextPollAt: soon)])
            #expect(try await store.claimDuePolls(limit: 10, batch: nil, runID: "run-test").map(\.jobID) == ids)
        }
    }

    @Test(arguments: StoreEngine.allCases) func aSecondSubmissionAnswerAfterAWebhookSettledIsKeptAsADuplicate(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg"])
            let run = testRun()
            _ = try await store.beginRun(run, batch: nil)
            let id = try await store.allJobs()[0].id
            _ = try await store.claimSubmission(jobID: id, runID: run.runID, webhookOfOurs: true, doubtWait: 0, account: nil)
            #expect(
                try await store.recordWebhook(jobID: id, requestID: "req-a", status: "processing", resultURL: nil, busyTimeout: 5)
                    == .adopted(jobID: id))
            try await store.recordSubmitted(jobID: id, requestID: "req-b", firstPollAt: 0)
            #expect(try await store.job(id: id)?.requestID == "req-a")
            #expect(try await store.duplicateAttemptsToPoll(batch: nil).map(\.requestID) == ["req-b"])
            let owed = try await store.duplicateAttemptsToPoll(batch: nil)[0]
            try await store.recordDuplicateAttemptPoll(owed, answer: nil, notFound: true)
            #expect(try await store.duplicateAttemptsToPoll(batch: nil).isEmpty)
        }
    }

    @Test(arguments: StoreEngine.allCases) func oneAccountPerStore(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let key = try await store.accountFingerprint(apiKey: "key-1", baseURL: "http://127.0.0.1:1/v1")
            #expect(key.count == 32)
            #expect(try await store.accountFingerprint(apiKey: "key-1", baseURL: "http://127.0.0.1:1/v1") == key)
            #expect(try await harness.reopen().accountFingerprint(apiKey: "key-1", baseURL: "http://127.0.0.1:1/v1") == key)
            let other = try await store.accountFingerprint(apiKey: "key-2", baseURL: "http://127.0.0.1:1/v1")
            #expect(other != key)
            try await store.importURLs(["https://x.test/1.jpg"])
            let run = testRun()
            _ = try await store.beginRun(run, batch: nil)
            let id = try await store.allJobs()[0].id
            _ = try await store.claimSubmission(jobID: id, runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: key)
            try await store.recordSubmitted(jobID: id, requestID: "req", firstPollAt: 0)
            #expect(try await store.jobsInFlightOfAnotherAccount(key) == 0)
            #expect(try await store.jobsInFlightOfAnotherAccount(other) == 1)
            let secret = try await store.webhookSecret()
            #expect(secret.count == 64)
            #expect(try await harness.reopen().webhookSecret() == secret)
        }
    }

    @Test(arguments: StoreEngine.allCases) func downloadsArePendingUntilKept(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun([
                "https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/3.jpg",
            ])
            for (index, id) in ids.enumerated() {
                try await store.submit(id, runID: run.runID, requestID: "req-\(index)")
                try await store.answer(
                    id, requestID: "req-\(index)", state: .completed, cost: 10, resultURL: "https://r/\(index)")
            }
            #expect(
                try await store.pendingDownloads(batch: nil, afterID: 0, limit: 10, includingPermanentFailures: false).count == 3)
            #expect(
                try await store.pendingDownloads(batch: nil, afterID: ids[0], limit: 1, includingPermanentFailures: false)
                    .map(\.jobID) == [ids[1]])
            let file = DownloadedFile(path: "/tmp/results/1.jpg", bytes: 1234, sha256: String(repeating: "a", count: 64))
            #expect(try await store.recordDownload(jobID: ids[0], file: file))
            #expect(try await store.downloadState(jobID: ids[0]) == .downloaded)
            #expect(
                try await store.downloadState(jobID: ids[1])
                    == .pending(PendingDownload(jobID: ids[1], sourceURL: "https://x.test/2.jpg", resultURL: "https://r/1")))
            try await store.recordDownloadFailure(jobID: ids[1], failure: DownloadFailure("gone", permanent: true))
            try await store.recordDownloadFailure(jobID: ids[2], failure: DownloadFailure("reset", permanent: false))
            #expect(
                try await store.pendingDownloads(batch: nil, afterID: 0, limit: 10, includingPermanentFailures: false)
                    .map(\.jobID) == [ids[2]])
            #expect(
                try await store.pendingDownloads(batch: nil, afterID: 0, limit: 10, includingPermanentFailures: true)
                    .map(\.jobID) == [ids[1], ids[2]])
            let counts = try await store.downloadCounts(batch: nil)
            #expect(counts.downloaded == 1 && counts.permanentFailures == 1)
            #expect(try await store.downloadState(jobID: 999_999) == .notReady)
        }
    }

    @Test(arguments: StoreEngine.allCases) func reportGroupsEveryWayAndFiltersByDay(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg", "https://x.test/2.jpg"], batch: "a")
            let (run, ids) = try await store.importAndBeginRun(
                ["https://x.test/3.jpg", "https://x.test/4.jpg"], batch: "b", mode: .professional)
            try await store.submit(ids[0], runID: run.runID, requestID: "r0")
            try await store.answer(ids[0], requestID: "r0", state: .completed, cost: 100)
            try await store.submit(ids[2], runID: run.runID, requestID: "r2")
            try await store.answer(ids[2], requestID: "r2", state: .failed, cost: 30)
            let today = UTCTime.day(Date())

            let byMode = try await store.costReport(by: .mode, filter: ReportFilter())
            #expect(byMode.groups.map(\.key) == ["fast", "professional"])
            #expect(byMode.groups.map(\.jobs) == [2, 2])
            #expect(byMode.groups.map(\.costs.total) == [100, 30])
            let byState = try await store.costReport(by: .state, filter: ReportFilter())
            #expect(byState.groups.map(\.key) == ["COMPLETED", "FAILED", "PENDING"])
            let byBatch = try await store.costReport(by: .batch, filter: ReportFilter(batch: "b"))
            #expect(byBatch.groups.map(\.key) == ["b"])
            #expect(byBatch.groups.first?.failed == 1)
            let byDay = try await store.costReport(by: .day, filter: ReportFilter())
            #expect(byDay.groups.map(\.key) == [today, "unsubmitted"])
            let since = try await store.costReport(by: .day, filter: ReportFilter(since: today, until: today))
            #expect(since.groups.map(\.key) == [today])
            #expect(try await store.costReport(by: .mode, filter: ReportFilter(until: "2000-01-01")).groups.isEmpty)
            let daily = try await store.dailyCosts(filter: ReportFilter())
            #expect(
                daily == [
                    DailyModeCost(day: today, mode: "fast", completed: 100, failed: 0),
                    DailyModeCost(day: today, mode: "professional", completed: 0, failed: 30),
                ])
            let status = try await store.statusSnapshot(batch: "a", runID: nil)
            #expect(status.counts[.completed] == 1 && status.counts[.pending] == 1)
            #expect(status.costs == CostTotals(total: 100, completed: 100, failed: 0))
        }
    }
}
