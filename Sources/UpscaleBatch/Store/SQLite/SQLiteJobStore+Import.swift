import GRDB

extension SQLiteJobStore {
    /// The page cache an import may use (KiB). With SQLite's default 2 MiB a million-row
    /// import spills index pages over and over; 16 MiB cut its SQLite time by a quarter here
    /// and keeps peak RSS well under the 64 MB budget.
    static let importCacheKiB = 16 * 1024

    /// Runs an import in ONE write transaction (`BEGIN IMMEDIATE`): all of its valid rows or none.
    ///
    /// Creates the batch `batchName` or reuses it (naming an existing batch adds to it), then
    /// gives `body` an inserter bound to that batch (its counts are final once `body` calls
    /// `finish()`) and to `timestamp` (the `created_at` and
    /// `updated_at` of every job, as ISO-8601 text like `StoreSQL.now`). When `body` throws,
    /// the transaction rolls back and nothing is stored; the body's own errors come out
    /// unchanged, SQLite's as `StoreError`. A batch this import created stays only if it
    /// received at least one job.
    ///
    /// Foreign-key enforcement is switched off on this connection for the transaction (and
    /// back on after it): every job gets the batch id read or created inside the same
    /// transaction, so `jobs.batch_id` cannot dangle, and the per-row parent lookup was a third
    /// of the insert time of a million-row import. The pragma cannot change inside a
    /// transaction, hence `writeWithoutTransaction` around an explicit one.
    ///
    /// `temp_store = MEMORY` for the same span: each multi-row INSERT inside the transaction
    /// keeps a statement journal (to undo just that statement), a temporary file by default;
    /// in memory it is a few hundred KiB, and the import writes half as many pages.
    func withImportTransaction<T>(
        batchName: String, sourceFile: String, timestamp: String,
        _ body: (JobInserter) throws -> T
    ) throws -> T {
        do {
            return try database.writeWithoutTransaction { db in
                let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
                let foreignKeys = try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? true
                let tempStore = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? 0
                try db.execute(sql: "PRAGMA cache_size = \(-Self.importCacheKiB)")
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                defer {
                    try? db.execute(sql: "PRAGMA foreign_keys = \(foreignKeys ? "ON" : "OFF")")
                    try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)")
                    try? db.execute(sql: "PRAGMA temp_store = \(tempStore)")
                }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try Self.importJobs(
                        db, batchName: batchName, sourceFile: sourceFile, timestamp: timestamp, body)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    private static func importJobs<T>(
        _ db: Database, batchName: String, sourceFile: String, timestamp: String,
        _ body: (JobInserter) throws -> T
    ) throws -> T {
        try db.execute(
            sql: """
                INSERT INTO batches (name, source_file, imported_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO NOTHING
                """,
            arguments: [batchName, sourceFile, timestamp])
        let created = db.changesCount > 0
        guard let batchID = try Int64.fetchOne(db, sql: "SELECT id FROM batches WHERE name = ?", arguments: [batchName])
        else { throw DatabaseError(message: "batch \(batchName) vanished during the import") }
        let firstID = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM jobs") ?? 0) + 1
        let inserter = JobInserter(database: db, batchID: batchID, timestamp: timestamp)
        let result = try body(inserter)
        try inserter.finish()
        if inserter.inserted > 0 {
            try JobTotals.addImported(db, batchID: batchID, counts: inserter.insertedByMode, firstID: firstID)
        }
        if created && inserter.inserted == 0 {
            try db.execute(sql: "DELETE FROM batches WHERE id = ?", arguments: [batchID])
        }
        return result
    }
}
