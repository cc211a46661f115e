import Dispatch

/// The runner's one way to the store: its threads (the feeder, the commit queues, the monitor)
/// are Dispatch threads of ours, which may wait, so each call goes through `StoreBridge.wait`.
extension JobRunner {
    /// Runs `work` against the store and waits for it on the calling Dispatch thread.
    ///
    /// The contract throws only `StoreError`, but a closure's typed throws is not inferred from
    /// its body, so the work is taken as throwing and its error narrowed here, once.
    func wait<T: Sendable>(_ work: @escaping @Sendable (any JobStore) async throws -> T) throws(StoreError) -> T {
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
