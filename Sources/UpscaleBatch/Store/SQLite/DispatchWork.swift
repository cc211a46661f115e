import Dispatch
import Synchronization

/// Work for a Dispatch thread that resumes its caller only once the thread has let go of it.
///
/// Why: a Dispatch block keeps what it captured until the block itself is released, after it
/// has returned; a caller resumed from inside the block could finish, and its process exit,
/// while the block still held the store. A store not released before exit is never closed:
/// SQLite's last connection then does not checkpoint, and a `-wal` file is left beside the
/// store (so the file alone, copied or opened through a symlink, misses the last writes). The
/// work sits in a box that the thread empties before it resumes the caller.
final class DispatchWork<T: Sendable>: Sendable {
    private let work: Mutex<(@Sendable () -> T)?>

    private init(_ work: @escaping @Sendable () -> T) {
        self.work = Mutex(work)
    }

    /// Runs `work` on a thread of the global Dispatch pool (which may wait) and returns its result.
    static func run(_ work: @escaping @Sendable () -> T) async -> T {
        let box = DispatchWork(work)
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let result = box.perform()
                continuation.resume(returning: result)
            }
        }
    }

    /// Takes the work out of the box and runs it: when this returns, nothing holds it any more.
    private func perform() -> T {
        let work = self.work.withLock { $0.take() }!
        return work()
    }
}
