import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `backup` made: a checked, self-contained copy of the store.
public struct StoreBackup: Sendable, Equatable {
    public var path: String
    public var bytes: Int64
    public var jobs: Int

    public init(path: String, bytes: Int64, jobs: Int) {
        self.path = path
        self.bytes = bytes
        self.jobs = jobs
    }
}

/// Why a backup was not made. The destination is never left half-written: the copy is made
/// under a temporary name beside it and linked into place only once checked.
public enum StoreBackupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// DEST exists: a backup never overwrites anything.
    case destinationExists(path: String)
    /// DEST's directory is missing or not writable.
    case destinationUnusable(path: String, reason: String)
    /// SQLite's backup or the check of the copy failed.
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .destinationExists(let path):
            "\(path) already exists: a backup never overwrites a file; choose a new name"
        case .destinationUnusable(let path, let reason):
            "cannot create \(path): \(reason)"
        case .failed(let path, let reason):
            "the backup into \(path) failed and was removed: \(reason)"
        }
    }
}

extension SQLiteJobStore {
    /// Copies the store into a new file at `destination` with SQLite's online backup API
    /// (GRDB's `backup(to:)`): one consistent snapshot, taken while runs and webhook receivers
    /// keep writing (they are not blocked: the source is read in a WAL read transaction).
    ///
    /// The copy is made self-contained (rollback journal, no `-wal` beside it), checked with
    /// `PRAGMA integrity_check` and a count of its jobs, and only then linked to
    /// `destination`, which must not exist (checked again at the link, so a file created
    /// meanwhile is never overwritten).
    public func backup(to destination: String) throws(StoreBackupError) -> StoreBackup {
        if FileManager.default.fileExists(atPath: destination) { throw .destinationExists(path: destination) }
        let url = URL(fileURLWithPath: destination)
        var template = Array((url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".backup.XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .destinationUnusable(path: destination, reason: String(cString: strerror(errno))) }
        close(fd)
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(temporary + suffix) }
        }
        let jobs: Int
        do {
            let copy = try DatabaseQueue(path: temporary)
            try database.backup(to: copy)
            jobs = try copy.writeWithoutTransaction { db in
                // The source is in WAL mode and so is its copy's header: a backup is one file.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                let verdict = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard verdict == ["ok"] else {
                    throw StoreBackupError.failed(
                        path: destination, reason: "integrity check: " + verdict.prefix(5).joined(separator: "; "))
                }
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs") ?? 0
            }
            try copy.close()
        } catch let error as StoreBackupError {
            throw error
        } catch {
            throw .failed(path: destination, reason: "\(error)")
        }
        let expected = (try? database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs") }) ?? nil
        if let expected, expected > jobs {
            // Jobs are never deleted: a copy holding fewer than the store now has is not a snapshot of it.
            throw .failed(path: destination, reason: "the copy holds \(jobs) jobs, the store \(expected)")
        }
        guard link(temporary, destination) == 0 else {
            let reason = errno == EEXIST ? nil : String(cString: strerror(errno))
            if let reason { throw .destinationUnusable(path: destination, reason: reason) }
            throw .destinationExists(path: destination)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? NSNumber)?.int64Value ?? 0
        return StoreBackup(path: destination, bytes: size, jobs: jobs)
    }
}
