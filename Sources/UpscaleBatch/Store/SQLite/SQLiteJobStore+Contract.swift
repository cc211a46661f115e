import Dispatch
import Foundation
import Synchronization

/// The SQLite engine's side of the store contract.
///
/// For now each call runs the engine's synchronous method on a Dispatch queue and resumes the
/// caller when it returns, so no thread of the cooperative pool or an event loop ever waits
/// for SQLite's lock. (The synchronous methods go once every caller uses the contract.)
extension SQLiteJobStore: JobStore {
    public var displayName: String { path }

    /// Runs `body` on a Dispatch thread, which may wait for SQLite, and resumes with its result.
    private func offload<T: Sendable>(_ body: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(StoreError) -> T in try body() })
            }
        }
        return try result.get()
    }

    public func webhookSecret() async throws(StoreError) -> String {
        try await offload { () throws(StoreError) in try self.webhookSecret() }
    }

    public func accountFingerprint(apiKey: String, baseURL: String) async throws(StoreError) -> String {
        try await offload { () throws(StoreError) in try self.accountFingerprint(apiKey: apiKey, baseURL: baseURL) }
    }

    public func jobsInFlightOfAnotherAccount(_ fingerprint: String) async throws(StoreError) -> Int {
        try await offload { () throws(StoreError) in try self.jobsInFlightOfAnotherAccount(fingerprint) }
    }

    public func importJobs(
        batchName: String, sourceFile: String, timestamp: String, rows: any ImportRowSource
    ) async throws -> ImportedRows {
        let result: Result<ImportedRows, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: Result {
                        try self.withImportTransaction(batchName: batchName, sourceFile: sourceFile, timestamp: timestamp) {
                            inserter in
                            // This Dispatch thread holds SQLite's write transaction and may wait
                            // for the reader: the one place where a thread waits for async work.
                            while let batch = try StoreBridge.wait({ try await rows.next() }) {
                                var start = 0
                                for row in batch.rows {
                                    try inserter.insert(url: batch.urlBytes[start..<row.end], mode: row.mode)
                                    start = row.end
                                }
                            }
                            try inserter.finish()
                            return ImportedRows(inserted: inserter.inserted, duplicates: inserter.duplicates)
                        }
                    })
            }
        }
        return try result.get()
    }

    public func forEachJob(_ filter: JobFilter, _ body: @Sendable (Job) throws -> Void) async throws {
        // The body's own error is kept aside, so it comes out unchanged rather than translated
        // into a StoreError by the engine's read (the contract; the conformance suite checks it).
        let bodyError = Mutex<(any Error)?>(nil)
        try await withoutActuallyEscaping(body) { body in
            // The Dispatch block reaches `body` only through the holder, which it empties before
            // resuming: `withoutActuallyEscaping` checks that nothing holds `body` when it
            // returns, and the block itself may be released a moment after the resume.
            let holder = JobBodyHolder(body)
            let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let outcome = Result {
                        try self.forEachJob(filter) { job in
                            guard let body = holder.body.withLock({ $0 }) else { return }
                            do { try body(job) } catch {
                                bodyError.withLock { $0 = error }
                                throw error
                            }
                        }
                    }
                    holder.body.withLock { $0 = nil }
                    continuation.resume(returning: outcome)
                }
            }
            if let error = bodyError.withLock({ $0 }) { throw error }
            try result.get()
        }
    }

    public func job(id: Int64) async throws(StoreError) -> Job? {
        try await offload { () throws(StoreError) in try self.job(id: id) }
    }

    public func statusSnapshot(batch: String?, runID: String?) async throws(StoreError) -> StatusSnapshot {
        try await offload { () throws(StoreError) in try self.statusSnapshot(batch: batch, runID: runID) }
    }

    public func batchExists(_ name: String) async throws(StoreError) -> Bool {
        try await offload { () throws(StoreError) in try self.batchExists(name) }
    }

    public func costReport(by grouping: ReportGrouping, filter: ReportFilter) async throws(StoreError) -> CostReport {
        try await offload { () throws(StoreError) in try self.costReport(by: grouping, filter: filter) }
    }

    public func dailyCosts(filter: ReportFilter) async throws(StoreError) -> [DailyModeCost] {
        try await offload { () throws(StoreError) in try self.dailyCosts(filter: filter) }
    }

    public func costEstimate(batch: String?) async throws(StoreError) -> CostEstimate {
        try await offload { () throws(StoreError) in try self.costEstimate(batch: batch) }
    }

    public func retryFailed(batch: String?) async throws(StoreError) -> Int {
        try await offload { () throws(StoreError) in try self.retryFailed(batch: batch) }
    }

    public func beginRun(_ run: RunIdentity, batch: String?) async throws(StoreError) -> Int {
        try await offload { () throws(StoreError) in try self.beginRun(run, batch: batch) }
    }

    public func endRun(runID: String) async throws(StoreError) {
        try await offload { () throws(StoreError) in try self.endRun(runID: runID) }
    }

    public func recordRunSucceeded(at date: Date) async throws(StoreError) {
        try await offload { () throws(StoreError) in try self.recordRunSucceeded(at: date) }
    }

    public func runOutstanding(runID: String) async throws(StoreError) -> (inFlight: Int, awaitingPoll: Int) {
        let counts = try await offload { () throws(StoreError) in
            let outstanding = try self.runOutstanding(runID: runID)
            return [outstanding.inFlight, outstanding.awaitingPoll]
        }
        return (counts[0], counts[1])
    }

    public func webhookCompletions(runID: String) async throws(StoreError) -> Int {
        try await offload { () throws(StoreError) in try self.webhookCompletions(runID: runID) }
    }

    public func failTimedOut(runID: String, submittedBefore cutoff: Date, reason: String) async throws(StoreError) -> Int {
        try await offload { () throws(StoreError) in try self.failTimedOut(runID: runID, submittedBefore: cutoff, reason: reason)
        }
    }

    public func unsubmittedJobs(runID: String, afterID: Int64, limit: Int) async throws(StoreError) -> [SubmissionClaim] {
        try await offload { () throws(StoreError) in try self.unsubmittedJobs(runID: runID, afterID: afterID, limit: limit) }
    }

    public func claimSubmission(
        jobID: Int64, runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?
    ) async throws(StoreError) -> SubmissionClaimResult {
        try await offload { () throws(StoreError) in
            try self.claimSubmission(
                jobID: jobID, runID: runID, webhookOfOurs: webhookOfOurs, doubtWait: doubtWait, account: account)
        }
    }

    public func recordSubmitted(jobID: Int64, requestID: String, firstPollAt: Int64) async throws(StoreError) {
        try await offload { () throws(StoreError) in
            try self.recordSubmitted(jobID: jobID, requestID: requestID, firstPollAt: firstPollAt)
        }
    }

    public func recordSubmissionUnresolved(jobID: Int64, error: String, keepInDoubt: Bool) async throws(StoreError) {
        try await offload { () throws(StoreError) in
            try self.recordSubmissionUnresolved(jobID: jobID, error: error, keepInDoubt: keepInDoubt)
        }
    }

    public func recordRefused(jobIDs: [Int64], message: String) async throws(StoreError) {
        try await offload { () throws(StoreError) in try self.recordRefused(jobIDs: jobIDs, message: message) }
    }

    public func claimDuePolls(limit: Int, batch: String?) async throws(StoreError) -> [PollClaim] {
        try await offload { () throws(StoreError) in try self.claimDuePolls(limit: limit, batch: batch) }
    }

    public func nextDuePoll(batch: String?) async throws(StoreError) -> Int64? {
        try await offload { () throws(StoreError) in try self.nextDuePoll(batch: batch) }
    }

    public func recordPollResults(_ results: [PollResult]) async throws(StoreError) -> [Int64] {
        try await offload { () throws(StoreError) in try self.recordPollResults(results) }
    }

    public func settledJobs(_ jobIDs: [Int64]) async throws(StoreError) -> Set<Int64> {
        try await offload { () throws(StoreError) in try self.settledJobs(jobIDs) }
    }

    public func duplicateAttemptsToPoll(batch: String?) async throws(StoreError) -> [AttemptPollClaim] {
        try await offload { () throws(StoreError) in try self.duplicateAttemptsToPoll(batch: batch) }
    }

    public func recordDuplicateAttemptPoll(
        _ claim: AttemptPollClaim, answer: StatusAnswer?, notFound: Bool
    ) async throws(StoreError) {
        try await offload { () throws(StoreError) in
            try self.recordDuplicateAttemptPoll(claim, answer: answer, notFound: notFound)
        }
    }

    public func pendingDownloads(
        batch: String?, afterID: Int64, limit: Int, includingPermanentFailures: Bool
    ) async throws(StoreError) -> [PendingDownload] {
        try await offload { () throws(StoreError) in
            try self.pendingDownloads(
                batch: batch, afterID: afterID, limit: limit, includingPermanentFailures: includingPermanentFailures)
        }
    }

    public func downloadState(jobID: Int64) async throws(StoreError) -> JobDownloadState {
        try await offload { () throws(StoreError) in try self.downloadState(jobID: jobID) }
    }

    public func downloadCounts(batch: String?) async throws(StoreError) -> (downloaded: Int, permanentFailures: Int) {
        let counts = try await offload { () throws(StoreError) in
            let counts = try self.downloadCounts(batch: batch)
            return [counts.downloaded, counts.permanentFailures]
        }
        return (counts[0], counts[1])
    }

    public func recordDownload(jobID: Int64, file: DownloadedFile) async throws(StoreError) -> Bool {
        try await offload { () throws(StoreError) in try self.recordDownload(jobID: jobID, file: file) }
    }

    public func recordDownloadFailure(jobID: Int64, failure: DownloadFailure) async throws(StoreError) {
        try await offload { () throws(StoreError) in try self.recordDownloadFailure(jobID: jobID, failure: failure) }
    }
}

/// `forEachJob`'s body, reachable from a Dispatch block only until it is emptied.
private final class JobBodyHolder: Sendable {
    let body: Mutex<(@Sendable (Job) throws -> Void)?>

    init(_ body: @escaping @Sendable (Job) throws -> Void) {
        self.body = Mutex(body)
    }
}
