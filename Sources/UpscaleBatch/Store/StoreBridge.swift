import Dispatch
import Synchronization

/// The one bridge from a thread that may wait (the runner's Dispatch feeder and commit queues,
/// SQLite's writer during an import) to async work such as the store contract.
///
/// `wait` starts the work as a task and parks the calling thread on a semaphore until it
/// finishes. It must never be called from a thread of the cooperative pool or a NIO event loop
/// (those threads may not wait: that is what the contract's async methods are for); every
/// caller is a Dispatch thread of ours.
public enum StoreBridge {
    /// Runs `work` to completion and returns its result, waiting on the calling thread; any error.
    public static func waitThrowing<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try box.withLock { $0! }.get()
    }

    /// Runs `work` to completion and returns its result, waiting on the calling thread; the
    /// store's errors keep their type.
    public static func wait<T: Sendable>(
        _ work: @escaping @Sendable () async throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<T, StoreError>?>(nil)
        Task {
            let result: Result<T, StoreError>
            do throws(StoreError) { result = .success(try await work()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try box.withLock { $0! }.get()
    }
}
