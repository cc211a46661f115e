import Foundation
import Testing

@testable import UpscaleBatch

extension JobStore {
    /// Jobs in every state, with the writes that make them (a retry, a doubt, a duplicate
    /// attempt a webhook revealed, its cost polled): returns their ids by name.
    func stageEveryState() async throws -> [String: Int64] {
        try await importURLs((1...6).map { "https://x.test/\($0).jpg" }, batch: "night")
        try await importURLs(["https://x.test/pro.jpg", "https://x.test/retried.jpg"], batch: "pro", mode: .professional)
        let ids = try await allJobs().map(\.id)
        let named = [
            "pending": ids[0], "queued": ids[1], "progress": ids[2], "completed": ids[3], "failed": ids[4],
            "doubt": ids[5], "duplicate": ids[6], "retried": ids[7],
        ]
        _ = try await accountFingerprint(apiKey: "key", baseURL: "http://127.0.0.1:1/api")
        let first = testRun("run-1")
        _ = try await beginRun(first, batch: nil)
        // A failed attempt moved back by retry: kept as an attempt of reason retry.
        try await submit(named["retried"]!, runID: first.runID, requestID: "req-retried")
        try await answer(named["retried"]!, requestID: "req-retried", state: .failed, cost: 0, error: "bad image")
        #expect(try await retryFailed(batch: "pro") == 1)
        try await submit(named["queued"]!, runID: first.runID, requestID: "req-queued")
        try await answer(named["queued"]!, requestID: "req-queued", state: .inQueue)
        try await submit(named["progress"]!, runID: first.runID, requestID: "req-progress")
        try await answer(named["progress"]!, requestID: "req-progress", state: .inProgress)
        try await submit(named["completed"]!, runID: first.runID, requestID: "req-completed")
        try await answer(
            named["completed"]!, requestID: "req-completed", state: .completed, cost: 120, resultURL: "https://r.test/4.png")
        try await submit(named["failed"]!, runID: first.runID, requestID: "req-failed")
        try await answer(named["failed"]!, requestID: "req-failed", state: .failed, cost: 0, error: "face not found")
        // A submission in doubt: claimed, its POST's answer never recorded.
        _ = try await claimSubmission(
            jobID: named["doubt"]!, runID: first.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
        try await recordSubmissionUnresolved(jobID: named["doubt"]!, error: "connection reset", keepInDoubt: true)
        // A possible duplicate with a duplicate attempt a webhook revealed (its cost polled).
        _ = try await claimSubmission(
            jobID: named["duplicate"]!, runID: first.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
        try await recordSubmissionUnresolved(jobID: named["duplicate"]!, error: "timed out", keepInDoubt: true)
        try await endRun(runID: first.runID)
        let second = testRun("run-2")
        _ = try await beginRun(second, batch: nil)
        #expect(
            try await claimSubmission(
                jobID: named["duplicate"]!, runID: second.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
                == .claimed(possibleDuplicate: true))
        try await recordSubmitted(jobID: named["duplicate"]!, requestID: "req-dup-2", firstPollAt: 0)
        #expect(
            try await recordWebhook(
                jobID: named["duplicate"]!, requestID: "req-dup-1", status: "success", resultURL: "https://r.test/d1.png",
                busyTimeout: 5) == .duplicateAttempt(jobID: named["duplicate"]!))
        let owed = try await duplicateAttemptsToPoll(batch: nil)
        #expect(owed.count == 1)
        try await recordDuplicateAttemptPoll(
            owed[0], answer: StatusAnswer(state: .completed, rawStatus: "COMPLETED", cost: 150), notFound: false)
        try await endRun(runID: second.runID)
        return named
    }
}
