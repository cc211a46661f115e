import ArgumentParser
import Foundation
import UpscaleBatch

/// `run`: submit, poll, and (with --listen) receive webhooks until every job in scope is final.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Submit every unsubmitted job and follow every job in flight until all are final.",
        discussion: """
            The API needs a webhook URL with every job: give --listen HOST:PORT (receive them here),
            --webhook-url URL (a receiver you run, e.g. `webhook serve` behind a proxy), or
            --poll-only. Key: ENHANCOR_API_KEY or ENHANCOR_API_KEY_FILE.
            Exit codes: 0 all completed, 1 some FAILED, 2 configuration, 3 key refused,
            75 stopped early (signal, --max-wait, API trouble, refusals): run again to resume.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var options: RunOptions
    @Option(help: "Receive webhooks on HOST:PORT while running.") var listen: ListenAddress?
    @Option(help: "The webhook URL sent with each job (default: $ENHANCOR_WEBHOOK_URL, else the --listen address).")
    var webhookURL: String?
    @Flag(help: "Send no usable webhook URL; results come from polling alone.") var pollOnly = false
    @Option(help: "The API's base URL (default: $ENHANCOR_BASE_URL, else Enhancor's).") var baseURL: String?
    @Option(help: "Extra CA certificate(s) to trust, PEM (default: $ENHANCOR_CA_FILE).") var caFile: String?
    @Option(
        help: ArgumentHelp(
            "Write the metrics in Prometheus' text format to PATH every 15 s and at exit, atomically (node_exporter's textfile collector).",
            valueName: "PATH"))
    var metricsFile: String?

    func validate() throws {
        if pollOnly && (webhookURL != nil || listen != nil) {
            throw ValidationError("--poll-only excludes --webhook-url and --listen")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let key: String
        do { key = try APIKey.resolve(environment) } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }
        let webhook = try webhookChoice(environment)
        let jobStore = try await store.open()
        try await checkBatch(options.batch, in: jobStore)
        let session = RunSession(
            store: jobStore, options: options, apiKey: key,
            baseURL: baseURL ?? environment["ENHANCOR_BASE_URL"] ?? "https://apireq.enhancor.ai/api/upscaler/v1",
            caFile: caFile ?? environment["ENHANCOR_CA_FILE"], webhook: webhook, metricsFile: metricsFile)
        let code = try await session.execute()
        if code != 0 { throw ExitCode(code) }
    }

    /// The webhook rules (README, "Webhooks"): a configured URL, else the listener's own address, else --poll-only.
    private func webhookChoice(_ environment: [String: String]) throws -> RunSession.Webhook {
        let configured = webhookURL ?? environment["ENHANCOR_WEBHOOK_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if pollOnly { return .pollOnly }
        if let configured {
            guard HTTPURL.target(of: configured) != nil else {
                throw CommandFailure.exit(
                    ExitCodes.configuration, "the webhook URL is not an absolute http(s) URL: \(configured)")
            }
            if let reserved = WebhookURL.reservedParameter(in: configured) {
                let source = webhookURL == nil ? "ENHANCOR_WEBHOOK_URL" : "--webhook-url"
                throw CommandFailure.exit(
                    ExitCodes.configuration,
                    "\(source) already carries the query parameter \(reserved), which upscale-batch adds itself "
                        + "(ub_job and ub_token): remove it from the URL")
            }
            return .url(configured, listen: listen)
        }
        if let listen {
            if listen.isWildcard {
                throw CommandFailure.exit(
                    ExitCodes.configuration,
                    "--listen \(listen.host) is a wildcard address the API cannot call back: give --webhook-url with the public URL"
                )
            }
            return .listener(listen)
        }
        throw CommandFailure.exit(
            ExitCodes.configuration,
            "choose how results come back: --listen HOST:PORT (receive webhooks here), --webhook-url URL, or --poll-only")
    }
}
