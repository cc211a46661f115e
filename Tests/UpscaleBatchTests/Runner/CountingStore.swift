import Foundation
import Synchronization

@testable import UpscaleBatch

/// A real store (SQLite in a temporary directory) that counts how often the runner asks it for
/// due polls, and lets a test hold submission claims and lease renewals on their way (a stopped
/// process, a slow store): every call then goes to the store unchanged.
final class CountingStore: JobStore {
    let base: SQLiteJobStore
    let claimDuePollsCalls = Mutex(0)
    /// Awaited before each `claimSubmissions` reaches the store, with the jobs it claims.
    let beforeClaim: @Sendable ([Int64]) async -> Void
    /// Awaited before each `renewRun` reaches the store.
    let beforeRenewal: @Sendable () async -> Void

    init(
        _ base: SQLiteJobStore, beforeClaim: @escaping @Sendable ([Int64]) async -> Void = { _ in },
        beforeRenewal: @escaping @Sendable () async -> Void = {}
    ) {
        self.base = base
        self.beforeClaim = beforeClaim
        self.beforeRenewal = beforeRenewal
    }

    var displayName: String { base.displayName }
    var isReadOnly: Bool { base.isReadOnly }

    func webhookSecret() async throws(StoreError) -> String { try await base.webhookSecret() }
    func accountFingerprint(apiKey: String, baseURL: String) async throws(StoreError) -> String {
        try await base.accountFingerprint(apiKey: apiKey, baseURL: baseURL)
    }
    func jobsInFlightOfAnotherAccount(_ fingerprint: String) async throws(StoreError) -> Int {
        try await base.jobsInFlightOfAnotherAccount(fingerprint)
    }
    func limits() async throws(StoreError) -> StoreLimits { try await base.limits() }
    func changeLimits(concurrency: LimitChange<Int>, rate: LimitChange<Double>) async throws(StoreError) -> StoreLimits {
        try await base.changeLimits(concurrency: concurrency, rate: rate)
    }
    func importJobs(
        batchName: String, sourceFile: String, timestamp: String, rows: any ImportRowSource
    ) async throws -> ImportedRows {
        try await base.importJobs(batchName: batchName, sourceFile: sourceFile, timestamp: timestamp, rows: rows)
    }
    func forEachJob(_ filter: JobFilter, _ body: @Sendable (Job) throws -> Void) async throws {
        try await base.forEachJob(filter, body)
    }
    func job(id: Int64) async throws(StoreError) -> Job? { try await base.job(id: id) }
    func statusSnapshot(batch: String?, runID: String?) async throws(StoreError) -> StatusSnapshot {
        try await base.statusSnapshot(batch: batch, runID: runID)
    }
    func batchExists(_ name: String) async throws(StoreError) -> Bool { try await base.batchExists(name) }
    func costReport(by grouping: ReportGrouping, filter: ReportFilter) async throws(StoreError) -> CostReport {
        try await base.costReport(by: grouping, filter: filter)
    }
    func dailyCosts(filter: ReportFilter) async throws(StoreError) -> [DailyModeCost] {
        try await base.dailyCosts(filter: filter)
    }
    func costEstimate(batch: String?) async throws(StoreError) -> CostEstimate { try await base.costEstimate(batch: batch) }
    func metricsSnapshot(now: Date) async throws(StoreError) -> StoreMetricsSnapshot { try await base.metricsSnapshot(now: now) }
    func retryFailed(batch: String?) async throws(StoreError) -> Int { try await base.retryFailed(batch: batch) }
    var recordsWebhooksTogether: Bool { base.recordsWebhooksTogether }
    func recordWebhooks(_ webhooks: [ReceivedWebhook], busyTimeout: TimeInterval?) async throws(StoreError) -> [WebhookOutcome] {
        try await base.recordWebhooks(webhooks, busyTimeout: busyTimeout)
    }
    func beginRun(_ run: RunIdentity, batch: String?) async throws(StoreError) -> Int {
        try await base.beginRun(run, batch: batch)
    }
    func endRun(runID: String) async throws(StoreError) { try await base.endRun(runID: runID) }
    func renewRun(runID: String, inFlight: Int, demand: RunnerDemand) async throws(StoreError) -> RunRenewal {
        await beforeRenewal()
        return try await base.renewRun(runID: runID, inFlight: inFlight, demand: demand)
    }
    func liveRunners() async throws(StoreError) -> [RunnerRecord] { try await base.liveRunners() }
    func unsubmittedHeldByOthers(runID: String) async throws(StoreError) -> Int {
        try await base.unsubmittedHeldByOthers(runID: runID)
    }
    func recordRunSucceeded(at date: Date) async throws(StoreError) { try await base.recordRunSucceeded(at: date) }
    func runCredits(runID: String) async throws(StoreError) -> [String: CostTotals] { try await base.runCredits(runID: runID) }
    func runOutstanding(runID: String) async throws(StoreError) -> RunOutstanding {
        try await base.runOutstanding(runID: runID)
    }
    func webhookCompletions(runID: String) async throws(StoreError) -> Int { try await base.webhookCompletions(runID: runID) }
    func failTimedOut(runID: String, submittedBefore cutoff: Date, reason: String) async throws(StoreError) -> Int {
        try await base.failTimedOut(runID: runID, submittedBefore: cutoff, reason: reason)
    }
    func unsubmittedJobs(runID: String, afterID: Int64, limit: Int) async throws(StoreError) -> [SubmissionClaim] {
        try await base.unsubmittedJobs(runID: runID, afterID: afterID, limit: limit)
    }
    func claimSubmissions(
        jobIDs: [Int64], runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?
    ) async throws(StoreError) -> [SubmissionClaimResult] {
        await beforeClaim(jobIDs)
        return try await base.claimSubmissions(
            jobIDs: jobIDs, runID: runID, webhookOfOurs: webhookOfOurs, doubtWait: doubtWait, account: account)
    }
    func recordSubmitted(_ requests: [SubmittedRequest]) async throws(StoreError) {
        try await base.recordSubmitted(requests)
    }
    func recordSubmissionUnresolved(
        jobID: Int64, error: String, keepInDoubt: Bool, runID: String?
    ) async throws(StoreError) {
        try await base.recordSubmissionUnresolved(jobID: jobID, error: error, keepInDoubt: keepInDoubt, runID: runID)
    }
    func recordRefused(jobIDs: [Int64], message: String) async throws(StoreError) {
        try await base.recordRefused(jobIDs: jobIDs, message: message)
    }
    func claimDuePolls(limit: Int, batch: String?, runID: String) async throws(StoreError) -> [PollClaim] {
        claimDuePollsCalls.withLock { $0 += 1 }
        return try await base.claimDuePolls(limit: limit, batch: batch, runID: runID)
    }
    func nextDuePoll(batch: String?) async throws(StoreError) -> Int64? { try await base.nextDuePoll(batch: batch) }
    func recordPollResults(_ results: [PollResult]) async throws(StoreError) -> [Int64] {
        try await base.recordPollResults(results)
    }
    func settledJobs(_ jobIDs: [Int64]) async throws(StoreError) -> Set<Int64> { try await base.settledJobs(jobIDs) }
    func duplicateAttemptsToPoll(batch: String?) async throws(StoreError) -> [AttemptPollClaim] {
        try await base.duplicateAttemptsToPoll(batch: batch)
    }
    func recordDuplicateAttemptPoll(_ claim: AttemptPollClaim, answer: StatusAnswer?, notFound: Bool) async throws(StoreError) {
        try await base.recordDuplicateAttemptPoll(claim, answer: answer, notFound: notFound)
    }
    func pendingDownloads(
        batch: String?, afterID: Int64, limit: Int, includingPermanentFailures: Bool
    ) async throws(StoreError) -> [PendingDownload] {
        try await base.pendingDownloads(
            batch: batch, afterID: afterID, limit: limit, includingPermanentFailures: includingPermanentFailures)
    }
    func downloadState(jobID: Int64) async throws(StoreError) -> JobDownloadState { try await base.downloadState(jobID: jobID) }
    func downloadCounts(batch: String?) async throws(StoreError) -> (downloaded: Int, permanentFailures: Int) {
        try await base.downloadCounts(batch: batch)
    }
    func recordDownload(jobID: Int64, file: DownloadedFile) async throws(StoreError) -> Bool {
        try await base.recordDownload(jobID: jobID, file: file)
    }
    func recordDownloadFailure(jobID: Int64, failure: DownloadFailure) async throws(StoreError) {
        try await base.recordDownloadFailure(jobID: jobID, failure: failure)
    }
    func exportStore(pageSize: Int, into sink: @escaping @Sendable ([StoreRecord]) async throws -> Void) async throws {
        try await base.exportStore(pageSize: pageSize, into: sink)
    }
    func importStore(_ records: any StoreRecordSource) async throws -> StoreCopyCounts {
        try await base.importStore(records)
    }
}
