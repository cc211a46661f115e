import Foundation

/// Counts the webhooks answered 200, read by the run's summary while requests are served.
///
/// `@unchecked Sendable` is sound here: the only mutable state, `count`, is read and written
/// only while `lock` is held. (`Synchronization.Mutex` would need macOS 15; the package
/// still supports macOS 14.)
final class AcceptedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
