import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the file system says about a store's path, read with `stat` and `access` before SQLite
/// touches the file.
///
/// Never opens the file: a descriptor of ours on a database that SQLite also has open would
/// drop SQLite's POSIX locks when we close it (sqlite.org/howtocorrupt.html, 2.2).
struct StoreFile: Sendable {
    /// The path as the user named it (for messages).
    let path: String
    /// The file itself, symlinks resolved: SQLite keeps the `-wal` and `-shm` files beside it,
    /// not beside a symlink that names it.
    let resolved: String
    let size: Int64
    let links: Int

    /// The file at `path`, or nil when there is none. Throws for something that is not a regular
    /// file, or a path that cannot be looked at.
    static func inspect(_ path: String) throws(StoreError) -> StoreFile? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == EACCES {
                throw .permission(
                    path: path, needed: "cannot reach it: needs search (x) permission on every directory of its path")
            }
            throw .sqlite(path: path, detail: "cannot look at the file: \(String(cString: strerror(code)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .notAFile(path: path, kind: "a directory")
        default: throw .notAFile(path: path, kind: "not a regular file (a device, FIFO or socket)")
        }
        let resolved = realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
        return StoreFile(path: path, resolved: resolved ?? path, size: Int64(info.st_size), links: Int(info.st_nlink))
    }

    /// A store file with more than one hard link is refused by every command, and a
    /// file with nothing in it is not a store (and stays empty).
    func checkUsable() throws(StoreError) {
        if links > 1 { throw .hardLinked(path: path, links: links) }
        if size == 0 { throw .notAJobStore(path: path, detail: "an empty file") }
    }

    /// The directory that holds the store (and its `-wal` and `-shm` files).
    var directory: String {
        let directory = (resolved as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Whether this process may write the file and create files beside it.
    var isWritable: Bool { access(path, W_OK) == 0 && access(directory, W_OK | X_OK) == 0 }

    /// Whether SQLite's shared-memory file exists beside the store (a read-only reader of a WAL
    /// store in a read-only directory can use it, but cannot create it).
    var hasSharedMemoryFile: Bool { access(resolved + "-shm", F_OK) == 0 }

    /// Whether a `-wal` file with content sits beside the store: changes not yet copied into the
    /// main file, so only a reader that honours the WAL sees the store as it is.
    var hasWriteAheadLog: Bool {
        var info = stat()
        return stat(resolved + "-wal", &info) == 0 && info.st_size > 0
    }

    /// Exactly what a command that writes is missing, or nil when it may write.
    func missingWritePermission() -> String? {
        if access(path, W_OK) != 0 {
            return "needs write permission on the file \(TextEscaping.visible(path)) (this command writes to the store)"
        }
        if access(directory, W_OK | X_OK) != 0 {
            return "needs write permission on its directory \(TextEscaping.visible(directory)), where SQLite keeps the "
                + "store's -wal and -shm files (this command writes to the store)"
        }
        for suffix in ["-wal", "-shm"] where access(path + suffix, F_OK) == 0 && access(path + suffix, W_OK) != 0 {
            return "needs write permission on \(TextEscaping.visible(path + suffix)) (this command writes to the store)"
        }
        return nil
    }

    /// Exactly what a command that only reads is missing, or nil when it may read.
    func missingReadPermission() -> String? {
        if access(path, R_OK) != 0 { return "needs read permission on the file \(TextEscaping.visible(path))" }
        if hasSharedMemoryFile && access(resolved + "-shm", R_OK) != 0 {
            return "needs read permission on its shared-memory file \(TextEscaping.visible(resolved + "-shm"))"
        }
        if hasSharedMemoryFile && access(resolved + "-wal", F_OK) == 0 && access(resolved + "-wal", R_OK) != 0 {
            return "needs read permission on its write-ahead log \(TextEscaping.visible(resolved + "-wal"))"
        }
        if !hasSharedMemoryFile && hasWriteAheadLog && access(directory, W_OK | X_OK) != 0 {
            return "its write-ahead log \(TextEscaping.visible(resolved + "-wal")) holds changes not yet in the file, and "
                + "SQLite reads them through a -shm file it cannot create here: needs write permission on the directory "
                + "\(TextEscaping.visible(directory)) (or the store's owner opening it once)"
        }
        return nil
    }

    /// What identifies the file's content at one moment: a checkpoint that copies a log into
    /// the file changes it, and a writer's commit leaves a `-wal` with content beside it.
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64
        var hasLog: Bool
    }

    static func stamp(_ path: String) -> Stamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var log = stat()
        let file = realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
        return Stamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: nanoseconds(modifiedTime(info)), changed: nanoseconds(changedTime(info)),
            hasLog: stat((file ?? path) + "-wal", &log) == 0 && log.st_size > 0)
    }

    private static func nanoseconds(_ time: timespec) -> Int64 {
        Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    // `stat`'s time fields are named differently on Darwin.
    #if canImport(Darwin)
        private static func modifiedTime(_ info: stat) -> timespec { info.st_mtimespec }
        private static func changedTime(_ info: stat) -> timespec { info.st_ctimespec }
    #else
        private static func modifiedTime(_ info: stat) -> timespec { info.st_mtim }
        private static func changedTime(_ info: stat) -> timespec { info.st_ctim }
    #endif
}
