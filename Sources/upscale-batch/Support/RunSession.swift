import ArgumentParser
import Foundation
import Logging
import UpscaleBatch
import WebhookReceiver

/// One run from start to summary, shared by `run` and `demo`: the lock, the client, the
/// optional webhook listener, the runner, progress, signals and the summary.
struct RunSession {
    enum Webhook {
        case pollOnly
        case url(String, listen: ListenAddress?)
        case listener(ListenAddress)
    }

    let store: SQLiteJobStore
    let options: RunOptions
    let apiKey: String
    let baseURL: String
    let caFile: String?
    let webhook: Webhook
    /// `run --metrics-file`: the Prometheus text written here every 15 s and at exit.
    var metricsFile: String? = nil

    /// How often `--metrics-file` is rewritten while the run goes on.
    static let metricsFileInterval: Duration = .seconds(15)

    /// Runs and returns the exit code.
    func execute() async throws -> Int32 {
        // First of all: from here on SIGINT/SIGTERM stop the run gracefully, whenever they come.
        let stopper = await RunStopper()
        defer { stopper.cancel() }
        let logger = Self.makeLogger(options)
        let lock: RunLock?
        do { lock = try RunLock(storePath: store.path) } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }
        guard let lock else {
            throw CommandFailure.exit(
                ExitCodes.tryAgainLater, "another run is already running on \(store.path); try again when it ends")
        }
        defer { withExtendedLifetime(lock) {} }

        // One account per store: jobs in flight under another key or base URL are not ours to poll.
        let account = try CommandFailure.wrap { () throws(StoreError) in
            try store.accountFingerprint(apiKey: apiKey, baseURL: baseURL)
        }
        let foreign = try CommandFailure.wrap { () throws(StoreError) in try store.jobsInFlightOfAnotherAccount(account) }
        if foreign > 0 {
            throw CommandFailure.exit(
                ExitCodes.configuration,
                "the jobs in flight in this store were submitted with another API key or base URL (\(foreign) job(s)); "
                    + "run with the key (ENHANCOR_API_KEY or ENHANCOR_API_KEY_FILE) and --base-url they were sent with, "
                    + "or use another store for this account")
        }

        let downloader = try makeDownloader(logger: logger)
        // --max-spend starts from what this store's jobs have cost so far, per mode.
        let costHistory =
            options.maxSpend == nil
            ? [:]
            : RunConfiguration.costHistory(
                from: try CommandFailure.wrap { () throws(StoreError) in try store.costEstimate() })
        // Metrics only when someone can read them: a listener's GET /metrics or --metrics-file.
        let exporter = metricsFile != nil || hasListener ? MetricsExporter(store: store) : nil
        if let exporter, let metricsFile {
            do { try await exporter.write(to: metricsFile) } catch {
                throw CommandFailure.exit(ExitCodes.configuration, "--metrics-file: \(error)")
            }
        }
        let client: EnhancorHTTPClient
        do {
            var clientConfiguration = EnhancorClientConfiguration(
                baseURL: baseURL, apiKey: apiKey, maxConnections: options.concurrency,
                connectTimeout: options.connectTimeout.seconds, requestTimeout: options.requestTimeout.seconds,
                caFilePath: caFile)
            clientConfiguration.metrics = exporter?.metrics
            client = try EnhancorHTTPClient(configuration: clientConfiguration, logger: logger)
        } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }

        var listener: WebhookServer?
        let webhookBase: String
        switch webhook {
        case .pollOnly:
            webhookBase = RunConfiguration.pollOnlyWebhookURL
        case .url(let url, let listen):
            webhookBase = url
            if let listen {
                listener = try await startListener(listen, logger: logger, client: client, exporter: exporter)
            }
        case .listener(let listen):
            let server = try await startListener(listen, logger: logger, client: client, exporter: exporter)
            listener = server
            webhookBase = "http://\(listen.urlHost):\(server.port)/webhook"
        }

        var configuration = RunConfiguration(webhookBaseURL: webhookBase)
        configuration.concurrency = options.concurrency
        configuration.pollInterval = options.pollInterval.seconds
        configuration.fallbackPollInterval = options.fallbackPollInterval.seconds
        configuration.maxWait = options.maxWait?.seconds
        configuration.jobTimeout = options.jobTimeout.seconds
        configuration.batch = options.batch
        configuration.requestsPerSecond = options.rate
        configuration.maxSpend = options.maxSpend
        configuration.costHistory = costHistory
        configuration.account = account
        configuration.doubtWait = options.doubtWait.seconds
        configuration.unknownRequestAfter = options.unknownRequestAfter.seconds
        if let downloader {
            configuration.onJobCompleted = { downloader.enqueue(jobID: $0) }
            // Jobs that webhooks finish are picked up from the store every few seconds.
            let batch = options.batch
            let store = store
            configuration.onHousekeeping = {
                guard let pending = try? store.pendingDownloads(batch: batch, afterID: 0, limit: 500) else { return }
                for job in pending { downloader.enqueue(jobID: job.jobID) }
            }
        }

        let outcome: RunOutcome
        let runner: JobRunner
        let started = Date()
        do {
            runner = try JobRunner(store: store, client: client, configuration: configuration, logger: logger)
            exporter?.follow(runner)
            let scope = try runner.prepare()
            if !options.quiet {
                let listening = listener.map { " receiving webhooks on port \($0.port)," } ?? ""
                logger.info(
                    "run started: \(scope) job(s) in scope,\(listening) at most \(options.concurrency) requests in flight")
            }
            let progress = ProgressPrinter(store: store, runner: runner, options: options)
            progress.start()
            stopper.attach(runner) { progress.clear() }
            let metricsWriter = startMetricsFile(exporter)
            outcome = await runner.run()
            metricsWriter?.cancel()
            await metricsWriter?.value  // a write under way ends before the last one at exit
            progress.stop()
        } catch {
            await shutdown(client: client, listener: listener)
            throw CommandFailure.exit(for: error)
        }
        await shutdown(client: client, listener: listener)
        let (refusals, accepted) = (listener?.refusals, listener?.receivedCount)
        if let downloader {
            let downloads = await downloader.finish(batch: options.batch)
            StandardOutput.print("results kept in \(options.download ?? ""): \(downloads.line)\n")
        }

        do {
            var summary = try RunSummary.load(
                store: store, runID: runner.runID, outcome: outcome, statistics: runner.statistics,
                duration: Date().timeIntervalSince(started))
            summary.webhookRefusals = refusals
            summary.webhooksAccepted = accepted
            StandardOutput.print(summary.render(naming: { $0.flag }))
        } catch {
            printError("could not read the run's summary: \(error.description)")
        }
        if outcome.exitCode == 0 || outcome.exitCode == 1 {
            // Every job of the scope is final: the time behind last_success_timestamp_seconds.
            do { try store.recordRunSucceeded() } catch {
                printError("could not record the run's success for the metrics: \(error.description)")
            }
        }
        if let exporter, let metricsFile {
            exporter.runEnded()
            do { try await exporter.write(to: metricsFile) } catch { printError("--metrics-file: \(error)") }
        }
        return outcome.exitCode
    }

    /// Whether this run serves webhooks (and so `GET /metrics`).
    private var hasListener: Bool {
        switch webhook {
        case .pollOnly: false
        case .url(_, let listen): listen != nil
        case .listener: true
        }
    }

    /// Rewrites `--metrics-file` every 15 s until cancelled (the last write is at exit).
    private func startMetricsFile(_ exporter: MetricsExporter?) -> Task<Void, Never>? {
        guard let exporter, let metricsFile else { return nil }
        return Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: Self.metricsFileInterval) } catch { return }
                do { try await exporter.write(to: metricsFile) } catch { printError("--metrics-file: \(error)") }
            }
        }
    }

    /// `--download DIR`: the downloader the run feeds, or nil.
    private func makeDownloader(logger: Logger) throws -> ResultDownloader? {
        guard let directory = options.download else { return nil }
        do {
            return try ResultDownloader(store: store, outputDirectory: directory, caFilePath: caFile, logger: logger)
        } catch {
            throw CommandFailure.exit(ExitCodes.configuration, "\(error)")
        }
    }

    private func startListener(
        _ address: ListenAddress, logger: Logger, client: EnhancorHTTPClient, exporter: MetricsExporter?
    ) async throws -> WebhookServer {
        do {
            // The server's own start-up chatter is for --verbose; its warnings always show.
            var serverLogger = logger
            if !options.verbose { serverLogger.logLevel = .warning }
            let observability = exporter.map { exporter in
                WebhookObservability(metrics: exporter.metrics, metricsText: { await exporter.text() })
            }
            return try await WebhookServer.start(
                store: store, host: address.host, port: address.port, logger: serverLogger, observability: observability)
        } catch {
            try? await client.shutdown()
            throw CommandFailure.exit(ExitCodes.configuration, "cannot listen on \(address.host):\(address.port): \(error)")
        }
    }

    private func shutdown(client: EnhancorHTTPClient, listener: WebhookServer?) async {
        client.cancelAll()
        try? await client.shutdown()
        await listener?.stop()
    }

    /// Plain lines on standard error: cron mails them, so the default level is `info` for a
    /// start line, warnings and errors; `--quiet` keeps warnings and errors, `--verbose` all.
    static func makeLogger(_ options: RunOptions) -> Logger {
        var handler = PlainLogHandler()
        handler.logLevel = options.verbose ? .debug : options.quiet ? .warning : .info
        handler.showsMetadata = options.verbose
        return Logger(label: "upscale-batch") { _ in handler }
    }
}
