import Foundation
import GRDB

/// The job store: one SQLite file (WAL mode) that holds every job, its state and its cost.
///
/// Everything that lasts lives here, so every command is a short path through it. Writes run
/// in `BEGIN IMMEDIATE` transactions with a busy timeout longer than the longest write (a
/// million-row import), so a `run`, a `webhook serve` and an `import` can share one file
/// without "database is locked" failures. Each state change is one transaction, so a SIGKILL
/// at any moment leaves the store as it was before or after that change, never between.
public struct JobStore: Sendable {
    /// The file's path as the user gave it (for messages).
    public let path: String
    /// The GRDB connection pool: one writer, concurrent readers.
    public let database: DatabasePool

    /// How long a write waits for another process's transaction before giving up.
    /// A 1,000,000-row import holds the write lock for a few seconds; a minute leaves margin.
    public static let busyTimeout: TimeInterval = 60

    /// Opens an existing store. A missing file is an error: only `import` creates stores.
    public static func open(at path: String) throws(StoreError) -> JobStore {
        guard FileManager.default.fileExists(atPath: path) else { throw .noStore(path: path) }
        return try JobStore(path: path, creating: false)
    }

    /// Opens the store, creating it (and its schema) when the file does not exist yet.
    /// The directory must exist: a typo in `--db` should fail, not scatter new stores around.
    public static func openOrCreate(at path: String) throws(StoreError) -> JobStore {
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !directory.isEmpty,
            !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue
        {
            throw .directoryMissing(path: path)
        }
        return try JobStore(path: path, creating: !FileManager.default.fileExists(atPath: path))
    }

    private init(path: String, creating: Bool) throws(StoreError) {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // WAL survives a process crash at every commit; NORMAL skips the fsync per commit,
            // which only matters on power loss, and keeps the per-job commits cheap.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabasePool(path: path, configuration: config)
        } catch {
            throw Self.translate(error, path: path)
        }
        try migrate(creating: creating)
    }

    private func migrate(creating: Bool) throws(StoreError) {
        let migrator = StoreSchema.migrator
        do {
            let (applied, superseded, hasJobs) = try database.read { db in
                (
                    try migrator.appliedIdentifiers(db),
                    try migrator.hasBeenSuperseded(db),
                    try db.tableExists("jobs")
                )
            }
            if superseded {
                let unknown = applied.subtracting(migrator.migrations).sorted()
                throw StoreError.newerSchema(path: path, unknownMigrations: unknown)
            }
            if applied.isEmpty && !creating {
                // An existing SQLite file that was never a job store: leave it alone.
                let detail = hasJobs ? "no schema version" : "no jobs table"
                throw StoreError.notAJobStore(path: path, detail: detail)
            }
            if applied.count < migrator.migrations.count {
                try migrator.migrate(database)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Maps SQLite's errors to ones a user can act on.
    static func translate(_ error: any Error, path: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return .notAJobStore(path: path, detail: "the file is not an SQLite database")
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
            case .SQLITE_CANTOPEN: return .sqlite(path: path, detail: "cannot open the file (check the path and permissions)")
            default: return .sqlite(path: path, detail: error.message ?? "\(error.resultCode)")
            }
        }
        return .sqlite(path: path, detail: "\(error)")
    }

    /// Runs a read, mapping SQLite errors to `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.read(body) } catch { throw Self.translate(error, path: path) }
    }

    /// Runs a write in one IMMEDIATE transaction, mapping SQLite errors to `StoreError`.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.write(body) } catch { throw Self.translate(error, path: path) }
    }

    /// The secret that webhooks must carry as `token=`; generated once when the store is made.
    public func webhookSecret() throws(StoreError) -> String {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'webhook_secret'") ?? ""
        }
    }
}
