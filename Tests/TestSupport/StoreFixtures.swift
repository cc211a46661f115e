import Foundation
import GRDB
import Synchronization
import UpscaleBatch

/// Jobs put into a real store the way the product puts them there: through the store contract.
///
/// Where a test must stage what no command makes (a state from years ago, a value a newer
/// version would write, a row edited by hand), `SQLiteHandEdit` changes the file the way a user
/// with `sqlite3` would: on a connection of its own, never through the engine's private handle.
public enum StoreFixtures {
    /// A new SQLite store in `directory`.
    public static func makeStore(in directory: TemporaryDirectory, name: String = "store.sqlite3") throws -> SQLiteJobStore {
        try SQLiteJobStore.openOrCreate(at: directory.file(name))
    }

    /// Imports `count` unsubmitted jobs into batch `batch` (created when new) through the
    /// contract's import and returns their ids, in order.
    @discardableResult
    public static func insertJobs(
        _ store: any JobStore, count: Int, batch: String = "b1", mode: Mode = .fast,
        urlPrefix: String = "https://img.example/"
    ) async throws -> [Int64] {
        let urls = (0..<count).map { "\(urlPrefix)\(batch)-\(mode.rawValue)-\($0).jpg" }
        var rows = ImportBatch()
        for url in urls {
            rows.urlBytes.append(contentsOf: url.utf8)
            rows.rows.append((rows.urlBytes.count, mode))
        }
        _ = try await store.importJobs(
            batchName: batch, sourceFile: "test.csv", timestamp: "2026-11-25T00:00:00.000Z", rows: OneBatch(rows))
        let wanted = Set(urls)
        let ids = Mutex<[Int64]>([])
        try await store.forEachJob(JobFilter(batch: batch)) { job in
            if job.mode == mode && wanted.contains(job.url) { ids.withLock { $0.append(job.id) } }
        }
        return ids.withLock { $0 }
    }

    /// Sets columns of one job by hand (`SQLiteHandEdit`): a test's way to stage what no
    /// command makes.
    public static func update(
        _ store: SQLiteJobStore, job id: Int64, _ assignments: String, _ arguments: StatementArguments = []
    ) throws {
        var all = arguments
        _ = all.append(contentsOf: [id])
        try SQLiteHandEdit.write(store) { db in
            try db.execute(sql: "UPDATE jobs SET \(assignments) WHERE id = ?", arguments: all)
        }
    }
}

/// One batch of rows, then the end.
final class OneBatch: ImportRowSource {
    let batch: Mutex<ImportBatch?>

    init(_ batch: ImportBatch) { self.batch = Mutex(batch) }

    func next() async throws -> ImportBatch? {
        batch.withLock { batch in
            defer { batch = nil }
            return batch
        }
    }
}

/// A SQLite store's file opened on a connection of the test's own, as `sqlite3` would open it:
/// for staging by hand and for reading columns the contract does not show.
public enum SQLiteHandEdit {
    /// Runs `body` in a write transaction on the store's file.
    public static func write<T>(_ store: SQLiteJobStore, _ body: (Database) throws -> T) throws -> T {
        try queue(store).write(body)
    }

    /// Runs `body` in a read transaction on the store's file.
    public static func read<T>(_ store: SQLiteJobStore, _ body: (Database) throws -> T) throws -> T {
        try queue(store).read(body)
    }

    /// Runs `body` on the store's file outside any transaction (for PRAGMAs).
    public static func withoutTransaction<T>(_ store: SQLiteJobStore, _ body: (Database) throws -> T) throws -> T {
        try queue(store).writeWithoutTransaction(body)
    }

    private static func queue(_ store: SQLiteJobStore) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(SQLiteJobStore.busyTimeout)
        return try DatabaseQueue(path: store.path, configuration: configuration)
    }
}
