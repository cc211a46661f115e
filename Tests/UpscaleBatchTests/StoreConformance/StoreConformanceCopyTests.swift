import Foundation
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// `copy-store`'s contract (`exportStore` / `importStore` through `StoreCopy`), in every
/// direction between the engines: every job in every state keeps its columns, attempts and
/// batches keep their ids, the webhook secret and account salt come along, and a run on the
/// copy resubmits nothing that was in flight.
@Suite(.bounded) struct StoreConformanceCopyTests {
    enum Direction: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqliteToPostgres, postgresToSQLite, sqliteToSQLite, postgresToPostgres

        var from: StoreEngine { self == .sqliteToPostgres || self == .sqliteToSQLite ? .sqlite : .postgres }
        var to: StoreEngine { self == .sqliteToPostgres || self == .postgresToPostgres ? .postgres : .sqlite }
        var testDescription: String { "\(from.rawValue) → \(to.rawValue)" }
    }

    /// Runs `body` with a source and an empty destination store of the direction's engines.
    private func withStores(
        _ direction: Direction, _ body: (_ source: any JobStore, _ destination: any JobStore) async throws -> Void
    ) async throws {
        try await EngineStore.with(direction.from) { source in
            try await EngineStore.with(direction.to) { destination in
                try await body(source.store, destination.store)
            }
        }
    }

    /// Jobs in every state: returns their ids by name.
    private func stage(_ store: any JobStore) async throws -> [String: Int64] {
        try await store.importURLs((1...6).map { "https://x.test/\($0).jpg" }, batch: "night")
        try await store.importURLs(["https://x.test/pro.jpg", "https://x.test/retried.jpg"], batch: "pro", mode: .professional)
        let ids = try await store.allJobs().map(\.id)
        let named = [
            "pending": ids[0], "queued": ids[1], "progress": ids[2], "completed": ids[3], "failed": ids[4],
            "doubt": ids[5], "duplicate": ids[6], "retried": ids[7],
        ]
        _ = try await store.accountFingerprint(apiKey: "key", baseURL: "http://127.0.0.1:1/api")
        let first = testRun("run-1")
        _ = try await store.beginRun(first, batch: nil)
        // A failed attempt moved back by retry: kept as an attempt of reason retry.
        try await store.submit(named["retried"]!, runID: first.runID, requestID: "req-retried")
        try await store.answer(named["retried"]!, requestID: "req-retried", state: .failed, cost: 0, error: "bad image")
        #expect(try await store.retryFailed(batch: "pro") == 1)
        try await store.submit(named["queued"]!, runID: first.runID, requestID: "req-queued")
        try await store.answer(named["queued"]!, requestID: "req-queued", state: .inQueue)
        try await store.submit(named["progress"]!, runID: first.runID, requestID: "req-progress")
        try await store.answer(named["progress"]!, requestID: "req-progress", state: .inProgress)
        try await store.submit(named["completed"]!, runID: first.runID, requestID: "req-completed")
        try await store.answer(
            named["completed"]!, requestID: "req-completed", state: .completed, cost: 120, resultURL: "https://r.test/4.png")
        try await store.submit(named["failed"]!, runID: first.runID, requestID: "req-failed")
        try await store.answer(named["failed"]!, requestID: "req-failed", state: .failed, cost: 0, error: "face not found")
        // A submission in doubt: claimed, its POST's answer never recorded.
        _ = try await store.claimSubmission(
            jobID: named["doubt"]!, runID: first.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
        try await store.recordSubmissionUnresolved(jobID: named["doubt"]!, error: "connection reset", keepInDoubt: true)
        // A possible duplicate with a duplicate attempt a webhook revealed (its cost polled).
        _ = try await store.claimSubmission(
            jobID: named["duplicate"]!, runID: first.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
        try await store.recordSubmissionUnresolved(jobID: named["duplicate"]!, error: "timed out", keepInDoubt: true)
        try await store.endRun(runID: first.runID)
        let second = testRun("run-2")
        _ = try await store.beginRun(second, batch: nil)
        #expect(
            try await store.claimSubmission(
                jobID: named["duplicate"]!, runID: second.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
                == .claimed(possibleDuplicate: true))
        try await store.recordSubmitted(jobID: named["duplicate"]!, requestID: "req-dup-2", firstPollAt: 0)
        #expect(
            try await store.recordWebhook(
                jobID: named["duplicate"]!, requestID: "req-dup-1", status: "success", resultURL: "https://r.test/d1.png",
                busyTimeout: 5) == .duplicateAttempt(jobID: named["duplicate"]!))
        let owed = try await store.duplicateAttemptsToPoll(batch: nil)
        #expect(owed.count == 1)
        try await store.recordDuplicateAttemptPoll(
            owed[0], answer: StatusAnswer(state: .completed, rawStatus: "COMPLETED", cost: 150), notFound: false)
        try await store.endRun(runID: second.runID)
        return named
    }

    /// Every record of a store, in export order (the download host, which only PostgreSQL
    /// keeps, left out).
    private func records(of store: any JobStore, pageSize: Int = 3) async throws -> [StoreRecord] {
        let collected = Mutex<[StoreRecord]>([])
        try await store.exportStore(pageSize: pageSize) { page in
            #expect(page.count <= pageSize)
            collected.withLock { $0.append(contentsOf: page) }
        }
        return collected.withLock { records in
            records.map { record in
                guard case .job(var job) = record else { return record }
                job.downloadHost = nil
                return .job(job)
            }
        }
    }

    @Test(arguments: Direction.allCases) func everyJobInEveryStateIsCopiedWithItsColumns(_ direction: Direction) async throws {
        try await withStores(direction) { source, destination in
            let named = try await stage(source)
            let counts = try await StoreCopy.copy(from: source, to: destination, pageSize: 4)
            #expect(counts.jobs == 8)
            #expect(counts.batches == 2)
            #expect(counts.attempts == 2)
            #expect(counts.meta == 3)  // created_at, webhook_secret, account_salt

            // Every column of every row, ids included, and the same store-wide facts.
            let original = try await records(of: source)
            #expect(try await records(of: destination) == original)
            let expectedRecords = 15  // 3 meta, 2 batches, 8 jobs, 2 attempts
            #expect(original.count == expectedRecords)
            #expect(try await destination.webhookSecret() == (try await source.webhookSecret()))
            #expect(
                try await destination.accountFingerprint(apiKey: "key", baseURL: "http://127.0.0.1:1/api")
                    == (try await source.accountFingerprint(apiKey: "key", baseURL: "http://127.0.0.1:1/api")))
            #expect(
                try await destination.statusSnapshot(batch: nil, runID: nil)
                    == (try await source.statusSnapshot(batch: nil, runID: nil)))
            #expect(try await destination.allJobs() == (try await source.allJobs()))

            // The columns that matter, spelled out.
            let copied = try #require(try await destination.job(id: named["doubt"]!))
            #expect(copied.state == .pending && copied.requestID == nil && copied.attempts == 1)
            let duplicate = try #require(try await destination.job(id: named["duplicate"]!))
            #expect(duplicate.possibleDuplicate && duplicate.requestID == "req-dup-2" && duplicate.attempts == 2)
            let completed = try #require(try await destination.job(id: named["completed"]!))
            #expect(completed.state == .completed && completed.cost == 120 && completed.resultURL == "https://r.test/4.png")
            let failed = try #require(try await destination.job(id: named["failed"]!))
            #expect(failed.state == .failed && failed.error == "face not found")
            #expect(try await destination.statusSnapshot(batch: nil, runID: nil).costs.duplicate == 150)
            let doubtRow = try await records(of: destination).compactMap { record -> StoreRecord.JobRow? in
                if case .job(let job) = record, job.id == named["doubt"]! { return job }
                return nil
            }
            #expect(doubtRow.first?.submitting == true)
            #expect(doubtRow.first?.account == "acct")

            // A run on the copy: nothing in flight is submitted again; the doubt follows the
            // doubt rule (a possible duplicate); new jobs get ids after the copied ones.
            let run = testRun("run-on-copy")
            #expect(try await destination.beginRun(run, batch: nil) == 6)
            let unsubmitted = try await destination.unsubmittedJobs(runID: run.runID, afterID: 0, limit: 100).map(\.jobID)
            #expect(unsubmitted == [named["pending"]!, named["doubt"]!, named["retried"]!])
            #expect(
                try await destination.claimSubmission(
                    jobID: named["doubt"]!, runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
                    == .claimed(possibleDuplicate: true))
            for inFlight in ["queued", "progress", "duplicate"] {
                #expect(
                    try await destination.claimSubmission(
                        jobID: named[inFlight]!, runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
                        == .gone)
            }
            // Their polls are kept where they were: the copy polls them when due.
            #expect(try await destination.nextDuePoll(batch: nil) == (try await source.nextDuePoll(batch: nil)))
            try await destination.importURLs(["https://x.test/new.jpg"], batch: "later")
            let newest = try await destination.allJobs().map(\.id).max()
            #expect(newest == named.values.max()! + 1)
        }
    }

    @Test(arguments: Direction.allCases) func aStoreThatHoldsJobsIsNeverWrittenInto(_ direction: Direction) async throws {
        try await withStores(direction) { source, destination in
            try await source.importURLs(["https://x.test/a.jpg"])
            try await destination.importURLs(["https://x.test/b.jpg"])
            let before = try await records(of: destination)
            await #expect(throws: StoreCopyError.destinationNotEmpty(store: destination.displayName)) {
                try await StoreCopy.copy(from: source, to: destination)
            }
            #expect(try await records(of: destination) == before)
        }
    }

    @Test(arguments: Direction.allCases) func aSourceThatFailsLeavesTheDestinationEmpty(_ direction: Direction) async throws {
        try await withStores(direction) { source, destination in
            try await source.importURLs((1...20).map { "https://x.test/\($0).jpg" })
            let secret = try await destination.webhookSecret()
            let pages = try await records(of: source, pageSize: 5)
            let failing = FailingRecords(pages: [Array(pages[0..<5]), Array(pages[5..<10])])
            await #expect(throws: FailingRecords.Broken.self) {
                try await destination.importStore(failing)
            }
            #expect(try await destination.allJobs().isEmpty)
            #expect(try await destination.webhookSecret() == secret)
        }
    }
}

/// Records that fail after their pages: the import must then keep nothing.
private final class FailingRecords: StoreRecordSource {
    struct Broken: Error {}
    private let pages: Mutex<[[StoreRecord]]>

    init(pages: [[StoreRecord]]) {
        self.pages = Mutex(pages)
    }

    func next() async throws -> [StoreRecord]? {
        guard let page = pages.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { throw Broken() }
        return page
    }
}
