import Synchronization

/// The runner's entry point: report jobs as they become COMPLETED, download them in the
/// background, collect the summary at the end.
extension ResultDownloader {
    /// Schedules job `jobID`'s result for download and returns at once, from any thread or
    /// task (it takes one short lock and never waits for I/O). Call it when a job becomes
    /// COMPLETED with a result URL; the downloader re-reads the job, so a job that is not
    /// ready or already downloaded costs one store read. A job already queued is not queued
    /// twice. At most `concurrency` downloads run; at most `queueCapacity` ids wait, beyond
    /// which ids are dropped and picked up from the store by `finish()`. Ignored after `finish()`.
    public func enqueue(jobID: Int64) {
        let startWorker: Bool = queue.withLock { state in
            guard !state.finished, !state.known.contains(jobID) else { return false }
            if state.workers < concurrency {
                state.workers += 1
                state.known.insert(jobID)
                return true
            }
            guard state.waiting.count < Self.queueCapacity else { return false }
            state.waiting.append(jobID)
            state.known.insert(jobID)
            return false
        }
        if startWorker {
            Task { await self.work(startingWith: jobID) }
        }
    }

    /// Stops accepting jobs, waits for the queued ones, then (when `sweep`, the default)
    /// downloads every other pending result of `batch` (nil: the whole store): those dropped
    /// from a full queue, finished by another process, or left by an earlier run. Shuts the
    /// HTTP clients down and returns what was done. A store error ends the sweep and is
    /// reported in `storeError`.
    public func finish(sweep: Bool = true, batch: String? = nil) async -> DownloadSummary {
        queue.withLock { $0.finished = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = queue.withLock { state in
                if state.workers == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
        var summary = queue.withLock { $0.summary }
        if sweep {
            do {
                summary.merge(try await self.sweep(batch: batch, retryPermanentFailures: false))
            } catch {
                summary.storeError = error
            }
        }
        await shutdown()
        return summary
    }

    /// One worker: downloads `first`, then whatever is waiting, then ends.
    private func work(startingWith first: Int64) async {
        var jobID = first
        while true {
            let outcome = await download(jobID: jobID)
            let next: Int64? = queue.withLock { state in
                state.summary.add(outcome)
                state.known.remove(jobID)
                if let next = state.waiting.popFirst() { return next }
                state.workers -= 1
                return nil
            }
            guard let next else { break }
            jobID = next
        }
        let waiters: [CheckedContinuation<Void, Never>] = queue.withLock { state in
            guard state.workers == 0 else { return [] }
            defer { state.idleWaiters.removeAll() }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
