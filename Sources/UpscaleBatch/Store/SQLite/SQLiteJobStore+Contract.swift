import Dispatch
import Foundation
import GRDB

/// The SQLite engine's side of the store contract: every method of `JobStore` is one of the
/// engine's own (in the `SQLiteJobStore+*.swift` files, each an async read or write through
/// GRDB); what is left here is the import, whose rows arrive asynchronously while SQLite's
/// writer holds the import's one transaction.
extension SQLiteJobStore: JobStore {
    public var displayName: String { path }

    public func importJobs(
        batchName: String, sourceFile: String, timestamp: String, rows: any ImportRowSource
    ) async throws -> ImportedRows {
        // A Dispatch thread, not the cooperative pool: it holds SQLite's write transaction for
        // the whole import and waits for the reader between batches (`StoreBridge`). The work
        // is released before the caller resumes (`DispatchWork`), so the store closes at exit.
        let result: Result<ImportedRows, any Error> = await DispatchWork.run {
            Result {
                try self.withImportTransaction(batchName: batchName, sourceFile: sourceFile, timestamp: timestamp) {
                    inserter in
                    while let batch = try StoreBridge.waitThrowing({ try await rows.next() }) {
                        var start = 0
                        for row in batch.rows {
                            try inserter.insert(url: batch.urlBytes[start..<row.end], mode: row.mode)
                            start = row.end
                        }
                    }
                    try inserter.finish()
                    return ImportedRows(inserted: inserter.inserted, duplicates: inserter.duplicates)
                }
            }
        }
        return try result.get()
    }
}
