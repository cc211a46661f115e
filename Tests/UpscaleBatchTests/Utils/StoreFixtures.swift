import Foundation
import GRDB

@testable import UpscaleBatch

/// Small helpers that put jobs into a real store with plain SQL, the way `import` leaves them.
enum StoreFixtures {
    /// A new store in `directory`.
    static func makeStore(in directory: TemporaryDirectory, name: String = "store.sqlite3") throws -> SQLiteJobStore {
        try SQLiteJobStore.openOrCreate(at: directory.file(name))
    }

    /// Inserts `count` unsubmitted jobs into batch `batch` and returns their ids.
    @discardableResult
    static func insertJobs(
        _ store: SQLiteJobStore, count: Int, batch: String = "b1", mode: Mode = .fast, urlPrefix: String = "https://img.example/"
    ) throws -> [Int64] {
        try store.database.write { db in
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO batches(name, source_file, imported_at) VALUES (?, 'test.csv', '2026-11-25T00:00:00.000Z')",
                arguments: [batch])
            let batchID = try Int64.fetchOne(db, sql: "SELECT id FROM batches WHERE name = ?", arguments: [batch])!
            var ids: [Int64] = []
            for index in 0..<count {
                try db.execute(
                    sql: """
                        INSERT INTO jobs(batch_id, url, mode, created_at, updated_at)
                        VALUES (?, ?, ?, '2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z')
                        """,
                    arguments: [batchID, "\(urlPrefix)\(batch)-\(mode.rawValue)-\(index).jpg", mode.rawValue])
                ids.append(db.lastInsertedRowID)
            }
            return ids
        }
    }

    /// Sets columns of one job directly (a test's way to stage a situation).
    static func update(_ store: SQLiteJobStore, job id: Int64, _ assignments: String, _ arguments: StatementArguments = []) throws
    {
        var all = arguments
        _ = all.append(contentsOf: [id])
        try store.database.write { db in
            try db.execute(sql: "UPDATE jobs SET \(assignments) WHERE id = ?", arguments: all)
        }
    }
}
