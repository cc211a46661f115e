import Dispatch
import Foundation
import Logging
import Synchronization

/// The runner's one way to the store: its threads (the feeder, the commit queues, the monitor)
/// are Dispatch threads of ours, which may wait, so each call goes through `StoreBridge.wait`.
extension JobRunner {
    /// Runs `work` against the store and waits for it on the calling Dispatch thread.
    ///
    /// A store whose server is lost (`StoreError.mayPassWithTime`: a PostgreSQL restart, an
    /// unreachable host, too many connections) is asked again until it answers or the run's
    /// store grace (`RunConfiguration.storeGrace`) has passed since the outage began; only then
    /// does the error reach the caller (which stops the run: exit 75). Meanwhile the thread
    /// that waits claims no new work, and the answers in flight wait for their commit.
    /// A retried write whose first try committed unseen (the server died before its answer)
    /// is harmless: each write of the contract is checked against the job's state, as a
    /// second run's would be.
    ///
    /// The contract throws only `StoreError`, but a closure's typed throws is not inferred from
    /// its body, so the work is taken as throwing and its error narrowed here, once.
    func wait<T: Sendable>(_ work: @escaping @Sendable (any JobStore) async throws -> T) throws(StoreError) -> T {
        while true {
            if let stopping = outage.withLock({ $0.gaveUp }) { throw stopping }
            let callStarted = Date()
            do {
                let value = try once(work)
                if let lasted = outage.withLock({ $0.answered(at: Date()) }) {
                    logger.warning("the job store is back after \(Int(lasted.rounded())) s: the run goes on")
                }
                return value
            } catch {
                guard error.mayPassWithTime else { throw error }
                let grace = configuration.storeGrace
                guard let (pause, first) = outage.withLock({ $0.failed(callStarted: callStarted, at: Date(), grace: grace) })
                else {
                    let stopping = StoreError.unavailable(
                        store: store.displayName,
                        detail: "lost for longer than \(mention("the store grace", .storeGrace)), \(Int(grace)) s: \(error)")
                    outage.withLock { $0.giveUp(stopping) }
                    throw stopping
                }
                if first {
                    logger.warning(
                        "job store lost (\(error)): no new work; retrying for up to \(Int(grace)) s (\(mention("the store grace", .storeGrace)))"
                    )
                }
                Thread.sleep(forTimeInterval: pause)
            }
        }
    }

    /// One try of `work`.
    private func once<T: Sendable>(_ work: @escaping @Sendable (any JobStore) async throws -> T) throws(StoreError) -> T {
        let store = store
        do {
            return try StoreBridge.waitThrowing { try await work(store) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .sqlite(path: store.displayName, detail: "\(error)")
        }
    }
}
