import Foundation
import GRDB
import TestSupport

@testable import UpscaleBatch

/// A real job store in a fresh temporary directory, removed when the test ends.
struct TestStore {
    let directory: URL
    let store: SQLiteJobStore
    var path: String { store.path }

    /// Runs `body` with a new store and removes its directory afterwards, whatever happens.
    static func with<T>(_ body: (TestStore) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("webhook-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteJobStore.openOrCreate(at: directory.appendingPathComponent("jobs.sqlite3").path)
        try SQLiteHandEdit.write(store) { db in
            try db.execute(
                sql: """
                    INSERT INTO batches (name, source_file, imported_at)
                    VALUES ('test', 'test.csv', '2026-11-25T00:00:00.000Z')
                    """)
        }
        return try await body(TestStore(directory: directory, store: store))
    }

    /// Inserts a job with plain SQL (the import module is written elsewhere) and returns its id.
    @discardableResult
    func insertJob(
        state: JobState = .pending, requestID: String? = nil, cost: Int64? = nil, resultURL: String? = nil,
        submitting: Bool = false
    ) async throws -> Int64 {
        try SQLiteHandEdit.write(store) { db in
            try db.execute(
                sql: """
                    INSERT INTO jobs (batch_id, url, mode, state, request_id, cost, result_url, submitting,
                                      created_at, updated_at)
                    VALUES ((SELECT id FROM batches WHERE name = 'test'), ?, 'fast', ?, ?, ?, ?, ?,
                            '2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z')
                    """,
                arguments: [
                    "https://images.test/\(UUID().uuidString).jpg", state.rawValue, requestID, cost, resultURL, submitting,
                ])
            return db.lastInsertedRowID
        }
    }

    /// The columns a webhook may touch.
    func row(_ id: Int64) async throws -> JobRow {
        try SQLiteHandEdit.read(store) { db in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id])!
            return JobRow(
                state: row["state"], requestID: row["request_id"], cost: row["cost"], resultURL: row["result_url"],
                finishedAt: row["finished_at"], finishedBy: row["finished_by"], nextPollAt: row["next_poll_at"],
                possibleDuplicate: row["possible_duplicate"], submittedAt: row["submitted_at"],
                updatedAt: row["updated_at"])
        }
    }

    /// Sets `updated_at` to a marker, so a later "nothing changed" check cannot be fooled by a
    /// write within the same millisecond.
    func markUpdatedAt(_ id: Int64, _ value: String = "2000-01-01T00:00:00.000Z") async throws {
        try SQLiteHandEdit.write(store) { db in
            try db.execute(sql: "UPDATE jobs SET updated_at = ? WHERE id = ?", arguments: [value, id])
        }
    }
}

/// A job's row as the tests check it.
struct JobRow: Equatable {
    var state: String
    var requestID: String?
    var cost: Int64?
    var resultURL: String?
    var finishedAt: String?
    var finishedBy: String?
    var nextPollAt: Int64?
    var possibleDuplicate: Bool
    var submittedAt: String?
    var updatedAt: String
}
