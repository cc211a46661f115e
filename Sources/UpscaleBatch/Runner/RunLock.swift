import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One `run` per store at a time: an exclusive `flock` on `<store>.lock`. The kernel drops it
/// when the process dies, SIGKILL included, so a killed run never blocks the next night.
public final class RunLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, or returns nil at once when another process holds it.
    public init?(storePath: String) throws(StoreError) {
        path = storePath + ".lock"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .sqlite(path: path, detail: "cannot open the run lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            return nil
        }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
    }
}
