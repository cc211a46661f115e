import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import UpscaleBatch

/// Webhooks racing on PostgreSQL, where (unlike SQLite's one writer) two receivers' transactions
/// run at once: the same webhook delivered twice is recorded once, whichever order the two
/// sessions' statements interleave in.
@Suite(.bounded) struct PostgresWebhookRaceTests {
    /// The interleaving that once recorded a request twice (found under load in the two-receiver
    /// test): the second delivery looks the request id up before the first commits it, then waits
    /// on the job's row lock, and finds the request already the job's. Another session plays the
    /// first delivery, holding the row while the second one waits, so the order is certain.
    @Test func aWebhookDeliveredTwiceAtOnceIsRecordedOnce() async throws {
        try await EngineStore.with(.postgres) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun(["https://x.test/1.jpg"])
            let job = ids[0]
            // In doubt: claimed with a webhook of ours, its answer lost.
            _ = try await store.claimSubmission(jobID: job, runID: run.runID, webhookOfOurs: true, doubtWait: 60, account: nil)
            try await store.recordSubmissionUnresolved(jobID: job, error: "timeout", keepInDoubt: true)

            let first = try await TestPostgres.holding(
                harness.location, take: "SELECT 1 FROM upscale_batch.jobs WHERE id = \(job) FOR UPDATE",
                finish: [
                    // What the first delivery's adoption writes.
                    """
                    UPDATE upscale_batch.jobs SET request_id = 'req-twice', submitting = false, submitting_run = NULL
                    WHERE id = \(job)
                    """,
                    "COMMIT",
                ])
            let second = Task {
                try await store.recordWebhook(
                    jobID: job, requestID: "req-twice", status: "success", resultURL: "https://r/1", busyTimeout: 60)
            }
            // The second delivery waits on the row that the first holds.
            let waiting = try await eventually {
                let rows = try await TestPostgres.rows(
                    harness.location, "SELECT count(*)::text AS n FROM pg_locks WHERE NOT granted")
                return rows.first?["n"].flatMap { $0 } != "0"
            }
            #expect(waiting, "the second delivery reached the row lock")
            try await first.release()
            let outcome = try await second.value

            #expect(outcome == .completed(jobID: job), "the request is the job's: it completes it")
            let attempts = try await TestPostgres.rows(
                harness.location, "SELECT request_id FROM upscale_batch.job_attempts")
            #expect(attempts.isEmpty, "no extra attempt for the job's own request: \(attempts)")
            let recorded = try #require(try await store.job(id: job))
            #expect(recorded.requestID == "req-twice" && recorded.state == .completed && !recorded.possibleDuplicate)
        }
    }
}
