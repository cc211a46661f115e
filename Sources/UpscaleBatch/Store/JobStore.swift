import Foundation

/// The job store's contract: everything the commands, the runner, the webhook receiver and the
/// downloader may ask of a job store, whatever engine holds it.
///
/// Two engines conform: `SQLiteJobStore` (one file, one host, the default) and
/// `PostgresJobStore` (a shared database for several hosts). Both pass one conformance suite,
/// so a behaviour is specified once, by the tests, and holds on both. Nothing outside the
/// engines sees SQL or a connection: an engine's database handle is private to it.
///
/// Every method is async and never blocks a thread of the cooperative pool or an event loop
/// while the database is busy (GRDB's async reads and writes; postgres-nio). The runner's
/// Dispatch feeder reaches the store through `StoreBridge`, the one place where a thread waits
/// for the store.
///
/// Each method that changes a job is one transaction: a process killed at any moment leaves the
/// store as it was before or after that change, never between. State changes go through
/// `JobState`'s allowed moves on both engines (a disallowed move changes nothing).
public protocol JobStore: Sendable {
    /// The store as a user should see it in messages: a path, or a URL without its password.
    var displayName: String { get }
    /// Whether the store was opened read-only (a read command on a store the user may only read).
    var isReadOnly: Bool { get }

    // MARK: Store-wide facts

    /// The secret that webhooks must carry as `ub_token=`; made once when the store is created.
    func webhookSecret() async throws(StoreError) -> String
    /// The fingerprint of `apiKey` at `baseURL` in this store (salted per store; never the key).
    func accountFingerprint(apiKey: String, baseURL: String) async throws(StoreError) -> String
    /// How many jobs in flight or in doubt were submitted under another account than `fingerprint`.
    func jobsInFlightOfAnotherAccount(_ fingerprint: String) async throws(StoreError) -> Int

    // MARK: Store-wide limits (`limits`)

    /// The store-wide limits; nil where none is set. A meta row that holds no limit is an error
    /// naming it (never a guess).
    func limits() async throws(StoreError) -> StoreLimits
    /// Changes the store-wide limits, each as its `LimitChange` says (a limit kept is left as
    /// it is), in one transaction, and returns them as they are after it. Needs the writer: a
    /// store opened read-only refuses with `StoreError.permission`. A value set is within
    /// `StoreLimits`' bounds (parse it with `StoreLimits.concurrencyChange(parsing:)` or
    /// `rateChange(parsing:)`).
    func changeLimits(concurrency: LimitChange<Int>, rate: LimitChange<Double>) async throws(StoreError) -> StoreLimits

    // MARK: Import

    /// Imports `rows` into batch `batchName` (created, or added to) in ONE transaction: all of
    /// the rows or none. Duplicates of a URL already stored with the same mode are skipped and
    /// counted. `timestamp` (ISO-8601, UTC, milliseconds) is every new job's `created_at`.
    /// A batch this import created stays only if it received at least one job. Errors thrown
    /// by `rows` come out unchanged (nothing is stored); the engine's own as `StoreError`.
    func importJobs(
        batchName: String, sourceFile: String, timestamp: String, rows: any ImportRowSource
    ) async throws -> ImportedRows

    // MARK: Reading

    /// Streams the matching jobs in id order through `body`, one at a time (flat memory for a
    /// million jobs). `body` may throw to stop early; its error comes out unchanged.
    func forEachJob(_ filter: JobFilter, _ body: @Sendable (Job) throws -> Void) async throws
    /// One job by id, or nil.
    func job(id: Int64) async throws(StoreError) -> Job?
    /// Counts by state (of `batch`; of one run's scope when `runID` is given) and totals.
    func statusSnapshot(batch: String?, runID: String?) async throws(StoreError) -> StatusSnapshot
    /// Whether a batch of that name exists.
    func batchExists(_ name: String) async throws(StoreError) -> Bool
    /// The cost report, grouped and filtered.
    func costReport(by grouping: ReportGrouping, filter: ReportFilter) async throws(StoreError) -> CostReport
    /// Credits per UTC day and mode (the HTML report's chart).
    func dailyCosts(filter: ReportFilter) async throws(StoreError) -> [DailyModeCost]
    /// What the jobs not yet submitted (of `batch`) would cost at the prices seen so far.
    func costEstimate(batch: String?) async throws(StoreError) -> CostEstimate
    /// The store-wide gauges of `/metrics`. `runnersAlive` is the caller's to fill in.
    func metricsSnapshot(now: Date) async throws(StoreError) -> StoreMetricsSnapshot

    // MARK: Changing jobs outside a run

    /// Moves FAILED jobs (of `batch`) back to PENDING; returns how many.
    func retryFailed(batch: String?) async throws(StoreError) -> Int
    /// Records webhooks that arrived together, in order, and says what each did (one outcome
    /// per webhook, in the same order). Each is decided as if recorded alone after the ones
    /// before it; the engine may commit them together (SQLite: one transaction) or one by one
    /// (PostgreSQL). An error means none of them may be taken as recorded. `busyTimeout` bounds
    /// the wait for a store another process is writing (a webhook's sender will not wait long).
    func recordWebhooks(_ webhooks: [ReceivedWebhook], busyTimeout: TimeInterval?) async throws(StoreError) -> [WebhookOutcome]
    /// Whether webhooks gain from being recorded together (one transaction for a group: SQLite,
    /// whose writes are one at a time anyway). False where each is recorded on its own and
    /// several at once in parallel (PostgreSQL's pool): the receiver then records each at once.
    var recordsWebhooksTogether: Bool { get }

    // MARK: A run

    /// Records a run and its scope; returns the number of jobs in scope.
    func beginRun(_ run: RunIdentity, batch: String?) async throws(StoreError) -> Int
    /// Marks the run ended, and lets go of the unsubmitted jobs it had reserved.
    func endRun(runID: String) async throws(StoreError)
    /// The run's heartbeat, every lease/3: renews its lease (the database's clock) and records
    /// its requests in flight; on PostgreSQL one runner at a time also makes the polls claimed
    /// by runners whose lease lapsed due at once (the take-over). Says whether the run is still
    /// registered, which runners are live, and the run's part of the store-wide limits for
    /// `demand` (`LimitShares`; the limits as they are, on SQLite's single runner).
    func renewRun(runID: String, inFlight: Int, demand: RunnerDemand) async throws(StoreError) -> RunRenewal
    /// The live runners (`status`), in start order.
    func liveRunners() async throws(StoreError) -> [RunnerRecord]
    /// How many unsubmitted jobs of the run's scope another run has reserved or claimed: work
    /// the run waits for before it ends, and takes over when that run's lease lapses. On
    /// SQLite (one run at a time) only live runs count; on PostgreSQL lapsed ones too, whose
    /// jobs a rescan of the scope takes.
    func unsubmittedHeldByOthers(runID: String) async throws(StoreError) -> Int
    /// Records that a run ended with every job of its scope final (the last-success gauge).
    func recordRunSucceeded(at date: Date) async throws(StoreError)
    /// Credits per mode of the run's scope's jobs that ended (the run's credits counters).
    func runCredits(runID: String) async throws(StoreError) -> [String: CostTotals]
    /// Jobs of the run's scope still in flight, final ones still owed their cost poll, and
    /// unsubmitted ones (whoever holds them).
    func runOutstanding(runID: String) async throws(StoreError) -> RunOutstanding
    /// How many of the run's scope were finished by a webhook.
    func webhookCompletions(runID: String) async throws(StoreError) -> Int
    /// Fails the run's jobs submitted before `cutoff` and still not final (`--job-timeout`).
    func failTimedOut(runID: String, submittedBefore cutoff: Date, reason: String) async throws(StoreError) -> Int

    /// The next unsubmitted jobs of the run's scope after `afterID`, in id order, leaving out
    /// this run's own submissions under way and in doubt (the claim re-checks each job). On
    /// PostgreSQL the jobs returned are reserved for the run (`submitting_run`) so that
    /// runners sharing the store read different jobs; a run's reservations end with it or its
    /// lease.
    func unsubmittedJobs(runID: String, afterID: Int64, limit: Int) async throws(StoreError) -> [SubmissionClaim]
    /// Claims jobs for submission, each atomically, in one transaction, and records each
    /// attempt before its POST; one result per job, in the order given. (One transaction for
    /// the slots that are free together: the runner claims only what it sends at once.)
    func claimSubmissions(
        jobIDs: [Int64], runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?
    ) async throws(StoreError) -> [SubmissionClaimResult]
    /// Records the request ids the API gave submissions, in one transaction (committed durably:
    /// money hangs on them).
    func recordSubmitted(_ requests: [SubmittedRequest]) async throws(StoreError)
    /// A submission without a usable answer: left in doubt, or released. With `runID`, only
    /// while that run still holds the claim (on a shared store another runner may have taken
    /// it over meanwhile: its claim is left alone); nil: not checked.
    func recordSubmissionUnresolved(
        jobID: Int64, error: String, keepInDoubt: Bool, runID: String?
    ) async throws(StoreError)
    /// Jobs the API refused for good (FAILED with `message`).
    func recordRefused(jobIDs: [Int64], message: String) async throws(StoreError)
    /// Claims up to `limit` jobs whose status poll is due (of `batch`), the earliest due first;
    /// a claimed job falls due again when its claim lapses (`PollClaim.lapse`) unless its
    /// answer is recorded first.
    /// `runID` owns the claims: on a shared store a runner whose lease lapsed has its claims
    /// made due again for the others.
    func claimDuePolls(limit: Int, batch: String?, runID: String) async throws(StoreError) -> [PollClaim]
    /// When the next poll of a job (of `batch`) falls due (Unix ms), a claimed one's at its
    /// lapse; nil when none awaits one: the feeder sleeps until then instead of asking on a
    /// short tick.
    func nextDuePoll(batch: String?) async throws(StoreError) -> Int64?
    /// Records poll answers in one transaction; returns the jobs the unknown-request rule failed.
    func recordPollResults(_ results: [PollResult]) async throws(StoreError) -> [Int64]
    /// Which of `jobIDs` are final or no longer submitted (a doubt that a webhook settled).
    func settledJobs(_ jobIDs: [Int64]) async throws(StoreError) -> Set<Int64>
    /// Duplicate attempts (of jobs of `batch`) still owed their cost poll.
    func duplicateAttemptsToPoll(batch: String?) async throws(StoreError) -> [AttemptPollClaim]
    /// Records a duplicate attempt's cost poll.
    func recordDuplicateAttemptPoll(
        _ claim: AttemptPollClaim, answer: StatusAnswer?, notFound: Bool
    ) async throws(StoreError)

    // MARK: Copying a whole store (`copy-store`)

    /// Streams every record of the store (meta, batches, jobs, attempts; runs are left out)
    /// through `sink` in pages of at most `pageSize`, in id order, from one snapshot: memory
    /// stays flat whatever the store's size, and `sink` may suspend (backpressure). Errors of
    /// `sink` come out unchanged.
    func exportStore(pageSize: Int, into sink: @escaping @Sendable ([StoreRecord]) async throws -> Void) async throws
    /// Writes `records` (in `exportStore`'s order) into this store, which must hold no batch,
    /// job or attempt (`StoreCopyError.destinationNotEmpty` otherwise), keeping every id and column, in ONE
    /// transaction: all of them or none. Meta records replace the store's own (the copy keeps
    /// the source's webhook secret and account salt). Errors of `records` come out unchanged.
    func importStore(_ records: any StoreRecordSource) async throws -> StoreCopyCounts

    // MARK: Downloads

    /// Completed jobs (of `batch`) after `afterID` whose result no host has kept yet.
    func pendingDownloads(
        batch: String?, afterID: Int64, limit: Int, includingPermanentFailures: Bool
    ) async throws(StoreError) -> [PendingDownload]
    /// Whether a job's result is kept, and where.
    func downloadState(jobID: Int64) async throws(StoreError) -> JobDownloadState
    /// Results kept, and results that failed for good (of `batch`).
    func downloadCounts(batch: String?) async throws(StoreError) -> (downloaded: Int, permanentFailures: Int)
    /// Records a kept result; false when another process recorded one first.
    func recordDownload(jobID: Int64, file: DownloadedFile) async throws(StoreError) -> Bool
    /// Records why a result could not be kept.
    func recordDownloadFailure(jobID: Int64, failure: DownloadFailure) async throws(StoreError)
}

/// What an import stored.
public struct ImportedRows: Sendable, Equatable {
    /// New jobs.
    public var inserted: Int
    /// Rows skipped because the store already held the same URL with the same mode.
    public var duplicates: Int

    public init(inserted: Int, duplicates: Int) {
        self.inserted = inserted
        self.duplicates = duplicates
    }
}

/// Validated rows in file order, for `JobStore.importJobs`. Its rejections have been reported
/// by the time a batch is handed over; the store reads only the rows.
public protocol ImportRowSource: Sendable {
    /// The next batch, nil at the end.
    func next() async throws -> ImportBatch?
}
