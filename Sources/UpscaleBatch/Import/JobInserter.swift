import GRDB
import GRDBSQLite

/// Inserts an import's jobs through prepared multi-row statements, bound with the raw SQLite API.
///
/// `INSERT ... VALUES (...), (...), ... ON CONFLICT (url, mode) DO NOTHING`: a URL and mode
/// already in the store (or earlier in the same file) is a duplicate, and each statement's
/// duplicates are its rows minus `sqlite3_changes`. Why multi-row: each execution of an
/// INSERT opens a cursor on the table and on each of its four indexes; one row per statement
/// spent most of a million-row import doing that, 500 rows per statement amortise it. Why raw
/// binding: the batch id and timestamp are bound once per statement, each row binds its URL
/// bytes (no String is made) and a static mode string, without `StatementArguments` boxing.
///
/// Rows are buffered (their URL bytes copied into one reusable buffer) until a statement's
/// worth is ready; `finish()` writes the rest. Only valid inside the import transaction that
/// made it (`SQLiteJobStore.withImportTransaction`).
final class JobInserter {
    /// Rows per full statement: 2 + 2 x 500 parameters, far below SQLite's limit.
    static let rowsPerStatement = 500

    private let database: Database
    private let batchID: Int64
    private let timestamp: String
    private var fullStatement: Statement?
    /// Rows inserted so far (after `finish()`, all of them).
    private(set) var inserted = 0
    /// Rows skipped because their URL and mode were already stored.
    private(set) var duplicates = 0
    /// Rows inserted per mode, for the report's totals (`JobTotals.addImported`); nil once a
    /// statement skipped a duplicate, whose mode `sqlite3_changes` does not say.
    var insertedByMode: [Mode: Int]? { duplicates == 0 ? [.fast: insertedFast, .professional: inserted - insertedFast] : nil }
    private var insertedFast = 0
    private var pendingFast = 0

    private var urlBytes: [UInt8] = []
    private var pending: [(end: Int, mode: Mode)] = []

    init(database: Database, batchID: Int64, timestamp: String) {
        self.database = database
        self.batchID = batchID
        self.timestamp = timestamp
        urlBytes.reserveCapacity(Self.rowsPerStatement * 128)
        pending.reserveCapacity(Self.rowsPerStatement)
    }

    /// Queues one job; written when a statement's worth of rows is ready, or by `finish()`.
    func insert(url: ArraySlice<UInt8>, mode: Mode) throws {
        urlBytes.append(contentsOf: url)
        pending.append((urlBytes.count, mode))
        if mode == .fast { pendingFast += 1 }
        if pending.count == Self.rowsPerStatement {
            if fullStatement == nil { fullStatement = try makeStatement(rows: Self.rowsPerStatement) }
            try flush(fullStatement!)
        }
    }

    /// Writes the queued rows. Call before reading the final counts.
    func finish() throws {
        guard !pending.isEmpty else { return }
        try flush(try makeStatement(rows: pending.count))
    }

    private func makeStatement(rows: Int) throws -> Statement {
        let values = (0..<rows).map { "(?1, ?\(3 + 2 * $0), ?\(4 + 2 * $0), ?2, ?2)" }.joined(separator: ", ")
        let statement = try database.makeStatement(
            sql:
                "INSERT INTO jobs (batch_id, url, mode, created_at, updated_at) VALUES \(values) ON CONFLICT (url, mode) DO NOTHING"
        )
        let handle = statement.sqliteStatement
        try check(sqlite3_bind_int64(handle, 1, batchID))
        // SQLITE_TRANSIENT: SQLite copies the text, which lives only for this call.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        try check(sqlite3_bind_text(handle, 2, timestamp, -1, transient))
        return statement
    }

    private func flush(_ statement: Statement) throws {
        let handle = statement.sqliteStatement
        let rows = pending.count
        let code = try urlBytes.withUnsafeBufferPointer { buffer throws -> Int32 in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var start = 0
            for (index, row) in pending.enumerated() {
                let modeText = Self.text(of: row.mode)
                // SQLITE_STATIC (nil): the buffer and the static mode text outlive the step
                // below, after which the statement is reset and never reads them again.
                try check(sqlite3_bind_text(handle, Int32(3 + 2 * index), base + start, Int32(row.end - start), nil))
                try check(
                    sqlite3_bind_text(
                        handle, Int32(4 + 2 * index),
                        UnsafeRawPointer(modeText.utf8Start).assumingMemoryBound(to: CChar.self),
                        Int32(modeText.utf8CodeUnitCount), nil))
                start = row.end
            }
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            return code
        }
        guard code == SQLITE_DONE else { throw error(code: code, statement: statement) }
        let changes = Int(sqlite3_changes(database.sqliteConnection))
        inserted += changes
        duplicates += rows - changes
        insertedFast += pendingFast
        pendingFast = 0
        urlBytes.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
    }

    private static func text(of mode: Mode) -> StaticString {
        switch mode {
        case .fast: "fast"
        case .professional: "professional"
        }
    }

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw error(code: code, statement: nil) }
    }

    private func error(code: Int32, statement: Statement?) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(database.sqliteConnection))
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement?.sql)
    }
}
