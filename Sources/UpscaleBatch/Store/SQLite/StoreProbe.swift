import Foundation
import GRDB
import GRDBSQLite

/// Tells a job store from any other file without writing anything: a file that is not a job
/// store is never changed, not even its journal mode.
///
/// Opening a file through GRDB's `DatabasePool` switches it to WAL and writes a table to it, so
/// the file is identified first through a read-only SQLite connection of its own:
/// 1. `immutable=1`: SQLite reads the main file with no lock, no journal, no `-wal` or `-shm`
///    created. Enough when nothing is waiting in a `-wal` file.
/// 2. When that does not recognise a job store and a `-wal` with content sits beside the file
///    (a store being created or written right now), a plain read-only connection that honours
///    the WAL decides.
///
/// A job store is a file marked with our `PRAGMA application_id`, or, for stores made before
/// the mark, one with the `jobs`, `batches` and `meta` tables, a webhook secret and GRDB's
/// record of migration `v1`. A file marked with another application's id is never ours.
enum StoreProbe {
    enum Identity: Equatable {
        case jobStore
        case foreign(detail: String)
    }

    static func identify(_ file: StoreFile) throws(StoreError) -> Identity {
        let first = probe(file.path, immutable: true)
        if case .success(.jobStore) = first { return .jobStore }
        if file.hasWriteAheadLog {
            switch probe(file.path, immutable: false) {
            case .success(let identity): return identity
            case .failure(let error): throw error
            }
        }
        switch first {
        case .success(let identity): return identity
        case .failure(let error): throw error
        }
    }

    /// What one read-only connection sees.
    private static func probe(_ path: String, immutable: Bool) -> Result<Identity, StoreError> {
        var connection: OpaquePointer?
        let uri = uri(for: path) + (immutable ? "?immutable=1" : "?mode=ro")
        defer { sqlite3_close_v2(connection) }
        let opened = sqlite3_open_v2(uri, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nil)
        guard opened == SQLITE_OK, let connection else {
            return .failure(SQLiteJobStore.translate(failure(opened, connection), path: path))
        }
        sqlite3_busy_timeout(connection, 10_000)
        do {
            let applicationID = try integer(connection, "PRAGMA application_id")
            if applicationID == Int64(StoreSchema.applicationID) { return .success(.jobStore) }
            if applicationID != 0 {
                let hex = String(UInt32(truncatingIfNeeded: applicationID), radix: 16)
                return .success(.foreign(detail: "it belongs to another application: application id 0x\(hex)"))
            }
            let tables = Set(try texts(connection, "SELECT name FROM sqlite_master WHERE type = 'table'"))
            if tables.isEmpty { return .success(.foreign(detail: "an SQLite database without tables")) }
            guard tables.isSuperset(of: ["jobs", "batches", "meta"]) else {
                return .success(.foreign(detail: "no jobs, batches and meta tables"))
            }
            guard tables.contains("grdb_migrations"),
                try texts(connection, "SELECT identifier FROM grdb_migrations").contains("v1")
            else { return .success(.foreign(detail: "no schema version")) }
            guard try integer(connection, "SELECT count(*) FROM meta WHERE key = 'webhook_secret'") == 1 else {
                return .success(.foreign(detail: "no webhook secret in its meta table"))
            }
            return .success(.jobStore)
        } catch {
            return .failure(SQLiteJobStore.translate(error, path: path))
        }
    }

    /// A `file:` URI for `path` (relative paths stay relative), with `?`, `#`, `%` and anything
    /// unusual percent-encoded so SQLite reads the name exactly.
    static func uri(for path: String) -> String {
        var out = "file:"
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "-"),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        // "file://x" would make x an authority: a path starting with "//" keeps its slashes apart.
        if path.hasPrefix("//") { out = "file:///" + out.dropFirst("file:".count).drop { $0 == "/" } }
        return out
    }

    private static func integer(_ connection: OpaquePointer, _ sql: String) throws(DatabaseError) -> Int64 {
        var value: Int64 = 0
        try each(connection, sql) { statement in value = sqlite3_column_int64(statement, 0) }
        return value
    }

    private static func texts(_ connection: OpaquePointer, _ sql: String) throws(DatabaseError) -> [String] {
        var values: [String] = []
        try each(connection, sql) { statement in
            if let text = sqlite3_column_text(statement, 0) { values.append(String(cString: text)) }
        }
        return values
    }

    private static func each(_ connection: OpaquePointer, _ sql: String, _ row: (OpaquePointer) -> Void) throws(DatabaseError) {
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, connection) }
        while true {
            code = sqlite3_step(statement)
            if code == SQLITE_ROW {
                row(statement)
            } else if code == SQLITE_DONE {
                return
            } else {
                throw failure(code, connection)
            }
        }
    }

    private static func failure(_ code: Int32, _ connection: OpaquePointer?) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open the file"
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}
