import Foundation
import Logging
import UpscaleBatch

/// Counts the webhooks answered 200 and those refused (401, 400, 404, 409), read by the run's
/// summary while requests are served, and rate-limits the warnings refusals log.
///
/// A refused webhook means a misconfiguration (a proxy rewriting the query, a store that is
/// not the one the jobs were submitted from) that would otherwise only show as results coming
/// by polling alone; so every refusal is counted, and a warning is logged for the first one
/// and then at most once per `warningInterval`, saying how many were refused meanwhile.
///
/// `@unchecked Sendable` is sound here: the only mutable state (the counts and the time of the
/// last warning) is read and written only while `lock` is held. (`Synchronization.Mutex` would
/// need macOS 15; the package still supports macOS 14.)
final class WebhookCounters: @unchecked Sendable {
    /// The shortest time between two refusal warnings.
    static let warningInterval: TimeInterval = 60

    private let lock = NSLock()
    private var accepted = 0
    private var refused = WebhookRefusals()
    private var lastWarning: Date?
    private var refusedSinceWarning = 0

    func accept() {
        lock.lock()
        accepted += 1
        lock.unlock()
    }

    /// Counts a refusal and logs it at warning level unless one was logged within the interval.
    func refuse(status: Int, reason: String, logger: Logger, now: Date = Date()) {
        lock.lock()
        refused.add(status: status)
        refusedSinceWarning += 1
        let due = lastWarning.map { now.timeIntervalSince($0) >= Self.warningInterval } ?? true
        let count = refusedSinceWarning
        if due {
            lastWarning = now
            refusedSinceWarning = 0
        }
        lock.unlock()
        guard due else { return }
        let more = count > 1 ? " (\(count) webhooks refused since the last warning)" : ""
        logger.warning("webhook refused (HTTP \(status)): \(reason)\(more)")
    }

    var acceptedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return accepted
    }

    var refusals: WebhookRefusals {
        lock.lock()
        defer { lock.unlock() }
        return refused
    }
}
