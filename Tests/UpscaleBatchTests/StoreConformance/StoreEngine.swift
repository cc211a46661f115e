import Foundation
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// The engines every conformance test runs on (Swift Testing `arguments:`), River's
/// `riverdrivertest` being the model: one behaviour, written once, held by both.
enum StoreEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// A store for one test case: a SQLite file in a temporary directory, or a fresh PostgreSQL
/// database on the test server (dropped afterwards).
struct EngineStore: Sendable {
    let store: any JobStore
    let location: String
    private let cleanup: @Sendable () async -> Void

    /// Runs `body` with a new, empty store of `engine`; nil (and a loud line) when PostgreSQL
    /// is not configured on a developer's machine. In CI a missing server fails the test.
    static func with(
        _ engine: StoreEngine, _ body: (EngineStore) async throws -> Void
    ) async throws {
        switch engine {
        case .sqlite:
            let directory = TemporaryDirectory()
            let path = directory.path + "/store.sqlite3"
            let store = try await JobStores.openOrCreate(path)
            try await body(EngineStore(store: store, location: path, cleanup: { _ = directory }))
        case .postgres:
            switch TestPostgres.availability {
            case .skipped(let message):
                print("*** PostgreSQL conformance case \(message) ***")
                return
            case .missingInCI(let message):
                Issue.record(Comment(rawValue: message))
                return
            case .available(let server):
                let database = try await TestPostgres.freshDatabase(serverURL: server)
                do {
                    let store = try await JobStores.openOrCreate(database.url)
                    try await body(
                        EngineStore(
                            store: store, location: database.url,
                            cleanup: {
                                (store as? PostgresJobStore)?.close()
                            }))
                    (store as? PostgresJobStore)?.close()
                } catch {
                    await database.drop()
                    throw error
                }
                await database.drop()
            }
        }
    }

    /// Opens the same store again, as another process would.
    func reopen() async throws -> any JobStore {
        try await JobStores.open(location)
    }
}

/// Rows for `importJobs`, served from memory in batches of `batchSize`.
final class ArrayRowSource: ImportRowSource {
    private let batches: Mutex<[ImportBatch]>

    init(_ rows: [(String, Mode)], batchSize: Int = 2) {
        var batches: [ImportBatch] = []
        var start = 0
        while start < rows.count {
            var batch = ImportBatch()
            for (url, mode) in rows[start..<min(rows.count, start + batchSize)] {
                batch.urlBytes.append(contentsOf: Array(url.utf8))
                batch.rows.append((batch.urlBytes.count, mode))
            }
            batches.append(batch)
            start += batchSize
        }
        self.batches = Mutex(batches)
    }

    func next() async throws -> ImportBatch? {
        batches.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}

/// A row source that fails after its first batch: an import must then store nothing.
final class FailingRowSource: ImportRowSource {
    struct Broken: Error, Equatable {}
    private let served = Mutex(false)

    func next() async throws -> ImportBatch? {
        let first = served.withLock { served in
            defer { served = true }
            return !served
        }
        guard first else { throw Broken() }
        var batch = ImportBatch()
        batch.urlBytes = Array("https://example.test/broken.jpg".utf8)
        batch.rows = [(batch.urlBytes.count, .fast)]
        return batch
    }
}

extension JobStore {
    /// Imports `urls` (fast unless given) into `batch` at a fixed time.
    @discardableResult
    func importURLs(_ urls: [String], batch: String = "night", mode: Mode = .fast) async throws -> ImportedRows {
        try await importJobs(
            batchName: batch, sourceFile: "\(batch).csv", timestamp: "2026-11-25T03:00:00.000Z",
            rows: ArrayRowSource(urls.map { ($0, mode) }))
    }

    /// Imports `urls` and begins a run (over every batch): the usual start of a test of a run's
    /// writes. `ids` are those of every job in the store, in id order.
    func importAndBeginRun(
        _ urls: [String], batch: String = "night", mode: Mode = .fast
    ) async throws -> (run: RunIdentity, ids: [Int64]) {
        try await importURLs(urls, batch: batch, mode: mode)
        let run = testRun()
        _ = try await beginRun(run, batch: nil)
        return (run, try await allJobs().map(\.id))
    }

    /// Every job, in id order.
    func allJobs(_ filter: JobFilter = JobFilter()) async throws -> [Job] {
        let collected = Mutex<[Job]>([])
        try await forEachJob(filter) { job in collected.withLock { $0.append(job) } }
        return collected.withLock { $0 }
    }

    /// Submits `jobID` for `runID` and records `requestID` as the API's answer (due at once).
    func submit(_ jobID: Int64, runID: String, requestID: String) async throws {
        let claim = try await claimSubmission(
            jobID: jobID, runID: runID, webhookOfOurs: false, doubtWait: 0, account: "acct")
        #expect(claim == .claimed(possibleDuplicate: false))
        try await recordSubmitted(jobID: jobID, requestID: requestID, firstPollAt: 0)
    }

    /// Records a status answer for a claimed poll of `jobID`.
    func answer(
        _ jobID: Int64, requestID: String, state: JobState, cost: Int64? = nil, resultURL: String? = nil, error: String? = nil
    ) async throws {
        let claim = PollClaim(jobID: jobID, requestID: requestID, pollCount: 0)
        _ = try await recordPollResults([
            PollResult(
                claim: claim,
                answer: StatusAnswer(state: state, rawStatus: state.rawValue, cost: cost, resultURL: resultURL, error: error),
                nextPollAt: StoreClock.millis() + 60_000)
        ])
    }
}

/// A run identity of this process with a fresh id.
func testRun(_ name: String = UUID().uuidString) -> RunIdentity { RunIdentity(runID: name) }
