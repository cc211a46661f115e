import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RunLock {
    /// Whether a run holds the store's run lock now (the `runners alive` gauge on SQLite),
    /// asked without taking it: a shared lock attempt that fails means a run holds it. Never
    /// creates the lock file. The process holding the lock sees its own run too (flock locks
    /// belong to open file descriptions, and this opens a new one).
    public static func isHeld(storePath: String) -> Bool {
        let fd = open(storePath + ".lock", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
