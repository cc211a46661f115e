import ArgumentParser
import Foundation
import Logging
import UpscaleBatch
import WebhookReceiver

/// The executable's half of a run, shared by `run` and `demo`: it wires what only the
/// executable knows (the run lock's messages, the client's metrics, the webhook listener,
/// progress lines, signals, the metrics file) around the core's `BatchRun`, prints the report
/// and maps its outcome to an exit code. What a run does is the core's.
struct RunSession {
    enum Webhook {
        case pollOnly
        case url(String, listen: ListenAddress?)
        case listener(ListenAddress)
    }

    let store: any JobStore
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
        let lock = try await takeLock()
        defer { withExtendedLifetime(lock) {} }
        return try await execute(stopper: stopper)
    }

    /// The run itself, while the store's run lock (SQLite) is held.
    private func execute(stopper: RunStopper) async throws -> Int32 {
        let logger = Self.makeLogger(options)
        // Another account's jobs in flight end the run before anything is set up (the run
        // checks again when it begins).
        do { _ = try await BatchRun.account(store: store, apiKey: apiKey, baseURL: baseURL) } catch {
            throw Self.failure(error)
        }

        let limits = try await readLimits()

        let downloader = try makeDownloader(logger: logger)
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
                baseURL: baseURL, apiKey: apiKey, maxConnections: limits.concurrency,
                connectTimeout: options.connectTimeout.seconds, requestTimeout: options.requestTimeout.seconds,
                caFilePath: caFile)
            clientConfiguration.metrics = exporter?.metrics
            clientConfiguration.naming = { $0.flag }
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

        var run = BatchRun(
            store: store, client: client, configuration: configuration(webhookBase: webhookBase, limits: limits),
            apiKey: apiKey, baseURL: baseURL, logger: logger)
        run.downloader = downloader
        run.listener = listener.map { server in
            BatchRun.Listener(
                port: server.port, counts: { (server.refusals, server.receivedCount) }, stop: { await server.stop() })
        }
        run.announces = !options.quiet
        let follow = RunFollowers(store: store, options: options, stopper: stopper, exporter: exporter)
        run.hooks.runnerMade = { follow.attach($0) }
        let metricsPath = metricsFile
        run.hooks.started = { _, _ in follow.start(metricsFile: metricsPath) }
        run.hooks.runnerEnded = { await follow.stop() }

        let report: RunReport
        do { report = try await run.run() } catch {
            throw Self.failure(error)
        }
        if let downloads = report.downloads {
            StandardOutput.print("results kept in \(options.download ?? ""): \(downloads.line)\n")
        }
        switch report.summary {
        case .success(let summary): StandardOutput.print(summary.render(naming: { $0.flag }))
        case .failure(let error): printError("could not read the run's summary: \(error.description)")
        }
        if let error = report.successMarkError {
            printError("could not record the run's success for the metrics: \(error.description)")
        }
        if let exporter, let metricsFile {
            exporter.runEnded()
            do { try await exporter.write(to: metricsFile) } catch { printError("--metrics-file: \(error)") }
        }
        return report.outcome.exitCode
    }

    /// The run's caps: its own flags within the store's (`limits`) as the run starts (the HTTP
    /// client's pool is sized by them). Its part of the store's limits is settled at every
    /// heartbeat within them (`JobRunner+Heartbeat`).
    private func readLimits() async throws -> RunLimits {
        do {
            return try await RunLimits.read(from: store, ownConcurrency: options.concurrency, ownRate: options.rate)
        } catch {
            throw CommandFailure.exit(for: error)
        }
    }

    /// The run's settings from the flags, and the limits from the flags and the store.
    private func configuration(webhookBase: String, limits: RunLimits) -> RunConfiguration {
        var configuration = RunConfiguration(webhookBaseURL: webhookBase)
        configuration.apply(limits)
        configuration.pollInterval = options.pollInterval.seconds
        configuration.fallbackPollInterval = options.fallbackPollInterval.seconds
        configuration.maxWait = options.maxWait?.seconds
        configuration.jobTimeout = options.jobTimeout.seconds
        configuration.batch = options.batch
        configuration.maxSpend = options.maxSpend
        configuration.doubtWait = options.doubtWait.seconds
        configuration.unknownRequestAfter = options.unknownRequestAfter.seconds
        configuration.storeGrace = options.storeGrace.seconds
        configuration.lease = options.lease.seconds
        configuration.naming = { $0.flag }
        return configuration
    }

    /// One run per SQLite store at a time: the store file's lock (its device and inode), which
    /// dies with the process, so a run killed with SIGKILL never blocks the next one. Held
    /// until the process ends. Runs on a PostgreSQL store cooperate instead (each under its
    /// lease, `JobRunner+Heartbeat`): no lock.
    private func takeLock() async throws -> (any Sendable)? {
        let location = store.displayName
        if store is PostgresJobStore { return nil }
        let held: RunLock?
        do { held = try RunLock(storePath: location) } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }
        guard let held else {
            throw CommandFailure.exit(
                ExitCodes.tryAgainLater, "another run is already running on \(location); try again when it ends")
        }
        return held
    }

    /// A run that could not begin, as the user reads it.
    static func failure(_ error: BatchRunError) -> ExitCode {
        switch error {
        case .anotherAccount(let jobs):
            CommandFailure.exit(
                ExitCodes.configuration,
                "the jobs in flight in this store were submitted with another API key or base URL (\(jobs) job(s)); "
                    + "run with the key (ENHANCOR_API_KEY or ENHANCOR_API_KEY_FILE) and --base-url they were sent with, "
                    + "or use another store for this account")
        case .store(let error):
            CommandFailure.exit(for: error)
        }
    }

    /// Whether this run serves webhooks (and so `GET /metrics`).
    private var hasListener: Bool {
        switch webhook {
        case .pollOnly: false
        case .url(_, let listen): listen != nil
        case .listener: true
        }
    }

    /// `--download DIR`: the downloader the run feeds, or nil.
    private func makeDownloader(logger: Logger) throws -> ResultDownloader? {
        guard let directory = options.download else { return nil }
        do {
            return try ResultDownloader(
                store: store, outputDirectory: directory, caFilePath: caFile, logger: logger, naming: { $0.flag })
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

    /// Plain lines on standard error: cron mails them, so the default level is `info` for a
    /// start line, warnings and errors; `--quiet` keeps warnings and errors, `--verbose` all.
    static func makeLogger(_ options: RunOptions) -> Logger {
        var handler = PlainLogHandler()
        handler.logLevel = options.verbose ? .debug : options.quiet ? .warning : .info
        handler.showsMetadata = options.verbose
        return Logger(label: "upscale-batch") { _ in handler }
    }
}
