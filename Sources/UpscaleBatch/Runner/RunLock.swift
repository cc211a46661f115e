import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `run` per store at a time: an exclusive `flock` on a lock file beside the store. The
/// kernel drops it when the process dies, SIGKILL included, so a killed run never blocks the
/// next night.
///
/// The lock follows the store file itself, whatever path names it: the lock file is named
/// after the store's real path (`realpath`: symlinks, `..` and relative paths resolved), so
/// `run --db link.db` and `run --db real.db` take the same lock. A hard link would be a second
/// real path to the same file; every command refuses a store with more than one link
/// (`SQLiteJobStore.open`), and the lock checks again that the file it locked for is the one the
/// path names (same device and inode) once it holds the lock. (The store file itself is never
/// locked with a descriptor of ours: closing it would drop SQLite's POSIX locks.)
public final class RunLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, or returns nil at once when another process holds it.
    public init?(storePath: String) throws(StoreError) {
        guard let resolved = realpath(storePath, nil) else {
            throw .sqlite(
                path: storePath, detail: "cannot resolve the store's real path: \(String(cString: strerror(errno)))")
        }
        let realPath = String(cString: resolved)
        free(resolved)
        path = realPath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .sqlite(path: path, detail: "cannot open the run lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        // The store is still the file the lock is named after, and has only that name.
        var named = stat()
        var real = stat()
        guard stat(storePath, &named) == 0, stat(realPath, &real) == 0, named.st_dev == real.st_dev,
            named.st_ino == real.st_ino, real.st_nlink == 1
        else {
            flock(fd, LOCK_UN)
            close(fd)
            throw .sqlite(
                path: storePath, detail: "the store file was renamed, replaced or linked while the run started; run again")
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
