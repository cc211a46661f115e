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
            let named = try await source.stageEveryState()
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
