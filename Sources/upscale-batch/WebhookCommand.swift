import ArgumentParser
import Foundation
import Logging
import UpscaleBatch
import WebhookReceiver

/// `webhook`: the webhook receiver as its own long-running process.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Receive the API's webhooks into the job store.",
        subcommands: [Serve.self]
    )
}

extension WebhookCommand {
    /// `webhook serve --listen HOST:PORT`: records webhooks until SIGTERM or SIGINT (exit 0).
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve webhooks into an existing job store until SIGTERM or SIGINT.",
            discussion: """
                POST on any path with ub_job=<id>&ub_token=<secret> in its query records a webhook
                (the URL that `run --webhook-url` sends carries both, after the URL's own query);
                GET /healthz answers "ok"; GET /metrics answers the metrics in Prometheus' text
                format (no token: bind a private address or filter the path at the proxy). Binds only
                the address given. Run it on the same host as the store (SQLite's WAL works on
                one machine only); `run --listen` in one process is the recommended set-up.
                Prints 'listening on http://HOST:PORT' once it listens.
                """
        )

        @OptionGroup var store: StoreOptions
        @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one; [::1]:PORT for IPv6).")
        var listen: ListenAddress
        @Flag(help: "Log every webhook, not only refusals and failures.") var verbose = false

        func run() async throws {
            let (host, port) = (listen.host, listen.port)
            let jobStore = try await store.open()
            var logger = Logger(label: "upscale-batch.webhook") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = verbose ? .debug : .info
            let server: WebhookServer
            do {
                let exporter = MetricsExporter(store: jobStore)
                server = try await WebhookServer.start(
                    store: jobStore, host: host, port: port, logger: logger,
                    observability: WebhookObservability(metrics: exporter.metrics, metricsText: { await exporter.text() }))
            } catch let error as StoreError {
                throw CommandFailure.exit(for: error)
            } catch {
                throw CommandFailure.exit(ExitCodes.configuration, "cannot listen on \(listen.host):\(listen.port): \(error)")
            }
            let line = "listening on http://\(listen.urlHost):\(server.port)"
            try await server.run {
                print(line)
                fflush(nil)
            }
            let refused = server.refusals
            let reasons =
                "\(refused.wrongToken) wrong token, \(refused.badRequest) bad request, "
                + "\(refused.unknownJob) unknown job, \(refused.noSubmission) no submission out"
            logger.info(
                "webhook receiver stopped: \(server.receivedCount) webhook(s) accepted, \(refused.total) refused (\(reasons))")
        }
    }
}
