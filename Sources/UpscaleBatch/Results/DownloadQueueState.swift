import NIOCore

/// The bookkeeping behind `ResultDownloader.enqueue(jobID:)`, kept under one mutex: waiting
/// ids (bounded by `ResultDownloader.queueCapacity`), the ids queued or in progress (so a job
/// reported twice is fetched once), the number of workers, and the running summary.
struct DownloadQueueState {
    var waiting = CircularBuffer<Int64>()
    var known: Set<Int64> = []
    var workers = 0
    var finished = false
    var summary = DownloadSummary()
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
}
