import Foundation
import Logging
import Synchronization

/// Keeps the results: downloads COMPLETED jobs' result images (their URLs expire, some within
/// the hour) into one output directory and records each file in the job store.
///
/// - Files are named `<job id>-<base>.<ext>` (`ResultFileName`), written to
///   `.<job id>-<base>.partial` beside them, fsync'd and renamed (`PartialFile`), so a killed
///   process leaves at most a `.partial` that the next attempt truncates and writes afresh.
/// - The store records `download_path` (the file's ABSOLUTE path), `download_bytes`,
///   `download_sha256` (lowercase hex), `downloaded_at` (ISO-8601 UTC) and clears
///   `download_error`; a failure writes `download_error` only, and the job stays COMPLETED.
///   Permanent failures are not retried by later passes (see `DownloadFailure`).
/// - At most `concurrency` downloads at once, over shared AsyncHTTPClients with that many
///   connections per host (`DownloadClients`).
///
/// Two ways to use it: `downloadPending(batch:)` for a whole pass (the `download` command), or
/// `enqueue(jobID:)` from any thread as jobs complete, then `finish()` (`run --download`).
/// Call `shutdown()` (or `finish()`) before releasing it.
public final class ResultDownloader: Sendable {
    /// The default size limit of one result: 50 MB.
    public static let defaultMaxBytes: Int64 = 50 * 1024 * 1024
    /// Jobs `enqueue` holds waiting; beyond it, ids are dropped and `finish()` finds them in
    /// the store instead (the store is the truth, so memory stays bounded).
    public static let queueCapacity = 10_000
    static let pageSize = 256

    public let store: any JobStore
    /// Absolute path of the directory results are kept in.
    public let outputDirectory: String
    public let concurrency: Int
    public let maxBytes: Int64
    let logger: Logger
    let clients: DownloadClients
    let queue: Mutex<DownloadQueueState>
    /// How the caller gives a setting (the executable: its flag), for failures' words.
    let naming: @Sendable (RunSetting) -> String?

    /// Prepares the output directory (created if missing; its parent must exist) and the HTTP
    /// clients. Throws `DownloadSetupError` when the directory or the CA file is unusable.
    /// - Parameters:
    ///   - caFilePath: extra CA certificates to trust (`--ca-file`), e.g. the simulator's.
    ///   - environment: where `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` are read.
    public init(
        store: any JobStore, outputDirectory: String, concurrency: Int = 4, maxBytes: Int64 = ResultDownloader.defaultMaxBytes,
        caFilePath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger,
        naming: @escaping @Sendable (RunSetting) -> String? = { _ in nil }
    ) throws(DownloadSetupError) {
        self.naming = naming
        self.store = store
        self.outputDirectory = try OutputDirectory.prepare(outputDirectory)
        self.concurrency = max(1, concurrency)
        self.maxBytes = max(1, maxBytes)
        self.logger = logger
        clients = try DownloadClients(connectionsPerHost: self.concurrency, caFilePath: caFilePath, environment: environment)
        queue = Mutex(DownloadQueueState())
    }

    // MARK: A whole pass

    /// Downloads every pending result (of `batch`, when given) not downloaded yet, paging
    /// through the store by id, `concurrency` at a time. `skipped` counts the scope's results
    /// downloaded before this pass; `notRetried` the earlier permanent failures left alone
    /// (tried again when `retryPermanentFailures`). Throws `StoreError` when the store fails
    /// (`.busy`: try again later); per-job failures are counted, never thrown.
    public func downloadPending(batch: String? = nil, retryPermanentFailures: Bool = false) async throws(StoreError)
        -> DownloadSummary
    {
        let counts = try await store.downloadCounts(batch: batch)
        var summary = try await sweep(batch: batch, retryPermanentFailures: retryPermanentFailures)
        summary.skipped += counts.downloaded
        summary.notRetried = retryPermanentFailures ? 0 : counts.permanentFailures
        return summary
    }

    /// The pending downloads, without the "already downloaded" counts.
    func sweep(batch: String?, retryPermanentFailures: Bool) async throws(StoreError) -> DownloadSummary {
        var summary = DownloadSummary()
        do {
            try await withThrowingTaskGroup(of: DownloadOutcome.self) { group in
                var running = 0
                var afterID: Int64 = 0
                while true {
                    let page = try await store.pendingDownloads(
                        batch: batch, afterID: afterID, limit: Self.pageSize,
                        includingPermanentFailures: retryPermanentFailures)
                    guard let last = page.last else { break }
                    afterID = last.jobID
                    for job in page {
                        if running >= concurrency, let outcome = try await group.next() {
                            summary.add(outcome)
                            running -= 1
                        }
                        group.addTask { try await self.process(job) }
                        running += 1
                    }
                }
                while let outcome = try await group.next() { summary.add(outcome) }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.sqlite(path: store.displayName, detail: "download pass ended: \(error)")
        }
        return summary
    }

    // MARK: One job

    /// Downloads job `jobID`'s result if it is COMPLETED with a result URL and not downloaded
    /// yet. Never throws: a store failure comes back as a transient `.failed`.
    public func download(jobID: Int64) async -> DownloadOutcome {
        do {
            switch try await store.downloadState(jobID: jobID) {
            case .notReady: return .notReady
            case .downloaded: return .alreadyDownloaded
            case .pending(let job): return try await process(job)
            }
        } catch {
            logger.warning("job \(jobID): download not recorded: \(error)")
            return .failed(DownloadFailure("job store: \(error)", permanent: false))
        }
    }

    /// Fetches one job's result and records what happened. Throws only the store's errors.
    func process(_ job: PendingDownload) async throws(StoreError) -> DownloadOutcome {
        var logger = self.logger
        logger[metadataKey: "job.id"] = "\(job.jobID)"
        let fetch = ResultFetch(clients: clients, directory: outputDirectory, maxBytes: maxBytes, naming: naming)
        let fetched: Result<DownloadedFile?, DownloadFailure>
        do { fetched = .success(try await fetch.fetch(job)) } catch { fetched = .failure(error) }
        switch fetched {
        case .success(nil):
            logger.info("job \(job.jobID): its result is being downloaded by another process; left to it")
            return .inProgressElsewhere
        case .success(let file?):
            // False when the job is no longer COMPLETED (moved meanwhile): the file stays, unrecorded,
            // as before the contract.
            _ = try await store.recordDownload(jobID: job.jobID, file: file)
            logger.debug("result kept", metadata: ["download.path": "\(file.path)", "download.bytes": "\(file.bytes)"])
            return .downloaded(file)
        case .failure(let failure):
            logger.warning("job \(job.jobID): result not kept: \(failure.storedText)")
            try await store.recordDownloadFailure(jobID: job.jobID, failure: failure)
            return .failed(failure)
        }
    }

    /// Stops the HTTP clients. Later downloads fail (transiently). Safe to call twice.
    public func shutdown() async {
        await clients.shutdown()
    }
}
