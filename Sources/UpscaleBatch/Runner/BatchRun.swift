import Foundation
import Logging

/// One run from start to summary, behind one call: the account check, the runner, the
/// downloads it feeds and their final sweep, the shutdown of the client and the webhook
/// listener, the summary and the success mark. The executable parses, wires the parts it alone
/// knows (the client's metrics, the listener, progress lines, signals) and maps the report to
/// an exit code; the core says what happened and never how a setting is given.
public struct BatchRun {
    /// A webhook listener the run owns (started by the caller, which knows the server).
    public struct Listener: Sendable {
        public var port: Int
        /// Webhooks refused, and answered 200, so far.
        public var counts: @Sendable () -> (refusals: WebhookRefusals, accepted: Int)
        public var stop: @Sendable () async -> Void

        public init(
            port: Int, counts: @escaping @Sendable () -> (refusals: WebhookRefusals, accepted: Int),
            stop: @escaping @Sendable () async -> Void
        ) {
            self.port = port
            self.counts = counts
            self.stop = stop
        }
    }

    /// What the caller learns as the run goes; called on the task that runs it.
    public struct Hooks {
        /// The runner exists (its scope not read yet): signals, progress and metrics follow it.
        public var runnerMade: (JobRunner) -> Void = { _ in }
        /// The run began with this many jobs in scope.
        public var started: (JobRunner, Int) -> Void = { _, _ in }
        /// The runner ended; the client and the listener are still up.
        public var runnerEnded: () async -> Void = {}
        public init() {}
    }

    public var store: any JobStore
    public var client: EnhancorHTTPClient
    public var configuration: RunConfiguration
    public var downloader: ResultDownloader?
    public var listener: Listener?
    public var logger: Logger
    /// The API key and base URL, for the account fingerprint (never stored or shown).
    public var apiKey: String
    public var baseURL: String
    /// Log the start line (off with a quiet run).
    public var announces = true
    public var hooks = Hooks()

    public init(
        store: any JobStore, client: EnhancorHTTPClient, configuration: RunConfiguration, apiKey: String, baseURL: String,
        logger: Logger
    ) {
        self.store = store
        self.client = client
        self.configuration = configuration
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.logger = logger
    }

    /// Runs, and always shuts the client, the listener and the downloader down. Throws only
    /// when the run could not begin (`BatchRunError`); what happened after is in the report.
    public func run() async throws(BatchRunError) -> RunReport {
        do {
            return try await runUnguarded()
        } catch {
            await shutdown()
            await downloader?.shutdown()  // it never ran: its final sweep is not owed
            throw error
        }
    }

    private func runUnguarded() async throws(BatchRunError) -> RunReport {
        var configuration = configuration
        configuration.account = try await Self.account(store: store, apiKey: apiKey, baseURL: baseURL)
        if configuration.maxSpend != nil {
            // The spending cap starts from what this store's jobs have cost so far, per mode.
            do throws(StoreError) {
                configuration.costHistory = RunConfiguration.costHistory(from: try await store.costEstimate(batch: nil))
            } catch {
                throw .store(error)
            }
        }
        if let downloader {
            configuration.onJobCompleted = { downloader.enqueue(jobID: $0) }
            // Jobs that webhooks finish are picked up from the store every few seconds (on the
            // monitor's Dispatch thread, which may wait for the store).
            let (batch, store) = (configuration.batch, store)
            configuration.onHousekeeping = {
                let pending = try? StoreBridge.wait { () async throws(StoreError) in
                    try await store.pendingDownloads(batch: batch, afterID: 0, limit: 500, includingPermanentFailures: false)
                }
                for job in pending ?? [] { downloader.enqueue(jobID: job.jobID) }
            }
        }

        let started = Date()
        let limits =
            configuration.limits?.description(naming: configuration.naming)
            ?? "at most \(configuration.concurrency) requests in flight"
        let runner = JobRunner(store: store, client: client, configuration: configuration, logger: logger)
        hooks.runnerMade(runner)
        let outcome: RunOutcome
        do throws(StoreError) {
            outcome = try await runner.run { scope in
                if announces {
                    let listening = listener.map { " receiving webhooks on port \($0.port)," } ?? ""
                    logger.info(
                        "run started: \(scope) job(s) in scope,\(listening) \(limits)"
                    )
                }
                hooks.started(runner, scope)
            }
        } catch {
            throw .store(error)
        }
        await hooks.runnerEnded()
        await shutdown()

        let counts = listener?.counts()
        let downloads = await downloader?.finish(batch: configuration.batch)
        let summary: Result<RunSummary, StoreError>
        do throws(StoreError) {
            var loaded = try await RunSummary.load(
                store: store, runID: runner.runID, outcome: outcome, statistics: runner.statistics,
                duration: Date().timeIntervalSince(started))
            loaded.webhookRefusals = counts?.refusals
            loaded.webhooksAccepted = counts?.accepted
            summary = .success(loaded)
        } catch {
            summary = .failure(error)
        }
        var report = RunReport(outcome: outcome, summary: summary)
        report.downloads = downloads
        if outcome == .allCompleted || outcome == .someFailed {
            // Every job of the scope is final: the time behind the last-success gauge.
            do throws(StoreError) { try await store.recordRunSucceeded(at: Date()) } catch {
                report.successMarkError = error
            }
        }
        return report
    }

    /// The account's fingerprint in `store`, or `.anotherAccount` when jobs in flight were
    /// submitted under another key or base URL (they are not ours to poll). `run()` checks it
    /// first; a caller may check it sooner, before it sets up anything (a listener, files).
    public static func account(
        store: any JobStore, apiKey: String, baseURL: String
    ) async throws(BatchRunError) -> String {
        let (account, foreign): (String, Int)
        do throws(StoreError) {
            account = try await store.accountFingerprint(apiKey: apiKey, baseURL: baseURL)
            foreign = try await store.jobsInFlightOfAnotherAccount(account)
        } catch {
            throw .store(error)
        }
        if foreign > 0 { throw .anotherAccount(jobsInFlight: foreign) }
        return account
    }

    private func shutdown() async {
        client.cancelAll()
        try? await client.shutdown()
        await listener?.stop()
    }
}
