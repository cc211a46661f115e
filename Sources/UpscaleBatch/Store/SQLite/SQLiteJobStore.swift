import Foundation
import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The job store: one SQLite file (WAL mode) that holds every job, its state and its cost.
///
/// Everything that lasts lives here, so every command is a short path through it. Writes run
/// in `BEGIN IMMEDIATE` transactions with a busy timeout longer than the longest write (a
/// million-row import), so a `run`, a `webhook serve` and an `import` can share one file
/// without "database is locked" failures. Each state change is one transaction, so a SIGKILL
/// at any moment leaves the store as it was before or after that change, never between.
public struct SQLiteJobStore: Sendable {
    /// The file's path as the user gave it (for messages).
    public let path: String
    /// The GRDB connection pool: one writer, concurrent readers. The engine's own: nothing
    /// outside `Store/SQLite` reaches it (tests stage by hand on a connection of their own).
    let database: DatabasePool

    /// How long a write waits for another process's transaction before giving up.
    /// A 1,000,000-row import holds the write lock for a few seconds; a minute leaves margin.
    public static let busyTimeout: TimeInterval = 60

    /// What a command will do with the store (kept under this name for its callers).
    public typealias Access = StoreAccess

    /// Opens an existing store. A missing file is an error: only `import` creates stores.
    ///
    /// Before SQLite opens it for real, the file is looked at (`StoreFile`: a regular file with
    /// one hard link and something in it) and identified without writing (`StoreProbe`), so a
    /// file that is not a job store is refused as it is. With `.read`, a store the user may not
    /// write is opened read-only; a command that writes gets the exact permission it lacks.
    public static func open(at path: String, for access: Access = .write) throws(StoreError) -> SQLiteJobStore {
        guard let file = try StoreFile.inspect(path) else { throw .noStore(path: path) }
        try file.checkUsable()
        if case .foreign(let detail) = try StoreProbe.identify(file) {
            throw .notAJobStore(path: path, detail: detail)
        }
        if !file.isWritable {
            if access == .write, let needed = file.missingWritePermission() { throw .permission(path: path, needed: needed) }
            if access == .read {
                if let needed = file.missingReadPermission() { throw .permission(path: path, needed: needed) }
                let shared = file.hasSharedMemoryFile || file.hasWriteAheadLog
                return try SQLiteJobStore(path: path, creating: false, mode: shared ? .readOnly : .unlocked)
            }
        }
        return try SQLiteJobStore(path: path, creating: false, mode: .readWrite)
    }

    /// How SQLite is asked to open the file.
    enum OpenMode {
        /// The normal case: WAL, migrations applied.
        case readWrite
        /// A store the user may only read, with its `-shm` file present (a writer may be at
        /// work) or changes waiting in its `-wal`: read-only connections that honour the WAL.
        case readOnly
        /// A store the user may only read, without a `-shm` file or changes in a `-wal`: nobody
        /// has it open, so the file alone is the store. Opened with `immutable=1`, which reads
        /// the file without locks and creates no `-wal` or `-shm` (a read-only connection would
        /// create them, owned by this user and read-only, and the owner's next write would
        /// fail). Every read checks afterwards that the file did not change meanwhile
        /// (`StoreError.changedWhileReading`), so a writer that starts during the read can
        /// never make it report something that was not there.
        case unlocked
    }

    /// Opens the store, creating it (and its schema) when the file does not exist yet.
    /// The directory must exist: a typo in `--db` should fail, not scatter new stores around.
    /// An existing file is checked and identified as `open` does: never taken over.
    public static func openOrCreate(at path: String) throws(StoreError) -> SQLiteJobStore {
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !directory.isEmpty,
            !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue
        {
            throw .directoryMissing(path: path)
        }
        if try StoreFile.inspect(path) != nil { return try open(at: path, for: .write) }
        if access(directory.isEmpty ? "." : directory, W_OK | X_OK) != 0 {
            throw .permission(
                path: path,
                needed:
                    "cannot create it: needs write permission on the directory \(TextEscaping.visible(directory.isEmpty ? "." : directory))"
            )
        }
        return try SQLiteJobStore(path: path, creating: true, mode: .readWrite)
    }

    /// The page cache of each connection, in KiB.
    static let connectionCacheKiB = 512

    /// Whether this store was opened read-only (a read command on a store the user may only read).
    public var isReadOnly: Bool { mode != .readWrite }
    /// How the file was opened (stored with a default, so other initialisers need not set it).
    private(set) var mode: OpenMode = .readWrite
    /// For `.unlocked`: the file as it was when opened; every read checks it is still so.
    private var openedStamp: StoreFile.Stamp? = nil

    init(path: String, creating: Bool, mode: OpenMode) throws(StoreError) {
        self.path = path
        self.mode = mode
        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.foreignKeysEnabled = true
        config.readonly = mode != .readWrite
        config.prepareDatabase { db in
            // Each connection's page cache fills up to the store's size, so with SQLite's
            // default (2,000 KiB) a run's memory grew with its store. The run's reads and
            // writes touch a few hot pages per job, and a miss is a read from the OS's page
            // cache, so a smaller cache costs nothing measurable (README, "Performance");
            // `import` sets a large one of its own for its span.
            try db.execute(sql: "PRAGMA cache_size = \(-Self.connectionCacheKiB)")
        }
        if mode == .readWrite {
            config.prepareDatabase { db in
                // WAL survives a process crash at every commit; NORMAL skips the fsync per commit,
                // which only matters on power loss, and keeps the per-job commits cheap.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        var location = path
        if mode == .unlocked {
            // Debian's SQLite reads `file:` names as URIs (SQLITE_USE_URI); elsewhere say what is needed.
            guard sqlite3_compileoption_used("USE_URI") == 1 else {
                throw .permission(
                    path: path,
                    needed: "reading it needs write permission on its directory, where SQLite creates its -shm file")
            }
            location = StoreProbe.uri(for: path) + "?immutable=1"
        }
        openedStamp = mode == .unlocked ? StoreFile.stamp(path) : nil
        do {
            database = try DatabasePool(path: location, configuration: config)
        } catch {
            throw Self.translate(error, path: path)
        }
        try migrate(creating: creating)
        try checkUnchanged()
    }

    /// For a store read without locks: throws when the file changed since it was opened.
    private func checkUnchanged() throws(StoreError) {
        guard let openedStamp else { return }
        let now = StoreFile.stamp(path)
        if now != openedStamp || openedStamp.hasLog { throw .changedWhileReading(path: path) }
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
            let pending = migrator.migrations.filter { !applied.contains($0) }
            if isReadOnly {
                // A read-only store is read as it is, unless its schema is too old to read.
                let blocking = pending.filter { !StoreSchema.optionalForReading.contains($0) }
                if !blocking.isEmpty {
                    throw StoreError.permission(
                        path: path,
                        needed: "its schema needs an upgrade (\(blocking.joined(separator: ", "))) that only a command "
                            + "with write permission on the file and its directory can make (any writing command does)")
                }
            } else if !pending.isEmpty {
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
        if let error = error as? UnknownStoredValue { return .sqlite(path: path, detail: error.detail) }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return .notAJobStore(path: path, detail: "the file is not an SQLite database")
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy(path: path)
            case .SQLITE_CANTOPEN: return .sqlite(path: path, detail: "cannot open the file (check the path and permissions)")
            case .SQLITE_READONLY:
                return .permission(
                    path: path,
                    needed: "SQLite could not write (\(error.message ?? "read-only")): check the permissions "
                        + "of the file, its -wal and -shm files and its directory")
            default: return .sqlite(path: path, detail: error.message ?? "\(error.resultCode)")
            }
        }
        return .sqlite(path: path, detail: "\(error)")
    }

    /// Runs a read, mapping SQLite errors to `StoreError`. A store read without locks
    /// (`OpenMode.unlocked`) is checked afterwards: a change meanwhile throws instead of
    /// returning what may be a torn read.
    ///
    /// Suspends while GRDB reads on one of its reader connections: no thread of the cooperative
    /// pool or an event loop waits for SQLite.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        let value: T
        do { value = try await database.read(body) } catch { throw Self.translate(error, path: path) }
        try checkUnchanged()
        return value
    }

    /// Runs a write in one IMMEDIATE transaction, mapping SQLite errors to `StoreError`; suspends
    /// while GRDB's writer is busy.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await database.write(body) } catch { throw Self.translate(error, path: path) }
    }

    /// The secret that webhooks must carry as `token=`; generated once when the store is made.
    public func webhookSecret() async throws(StoreError) -> String {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'webhook_secret'") ?? ""
        }
    }
}
