import ArgumentParser
import EnhancorSimulator
import Foundation
import Logging

/// `simulate`: a local Enhancor API for trying the tool and for tests, with every timing and
/// fault of `SimulatorConfiguration` as a flag. Runs until SIGTERM/SIGINT, then exits 0.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a local simulator of the Enhancor Portrait Upscaler API.",
        discussion: """
            Prints one line 'listening on http://HOST:PORT/api/upscaler/v1' once it listens.
            Webhooks go to loopback addresses only; others are recorded as not delivered.
            The ledger is at GET /__admin/ledger, health at GET /__admin/health.
            Durations take seconds with decimals or a suffix s, m, h (0.5, 90s, 30m); rates are 0...1.
            """)

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = ListenAddress(host: "127.0.0.1", port: 8787)

    @Option(help: "The only API key accepted (default: $ENHANCOR_API_KEY, else sim-key).")
    var apiKey: String?

    @Option(help: "Added to every API answer (duration).") var latencySeconds: DurationArgument?
    @Option(help: "Submission to final state in fast mode (duration).") var fastDuration: DurationArgument?
    @Option(help: "Submission to final state in professional mode (duration).") var professionalDuration: DurationArgument?
    @Option(help: "Duration jitter, +- fraction (0...1).") var durationJitter: Double?
    @Option(help: "Credits per fast job.") var fastCost: Int?
    @Option(help: "Credits per professional job.") var professionalCost: Int?
    @Option(help: "Fraction of API requests answered 500/502/503.") var serverErrorRate: Double?
    @Option(help: "Fraction of /queue requests accepted, then dropped mid-answer.") var dropAfterAcceptRate: Double?
    @Option(help: "Requests per second above which 429 is answered.") var rateLimitPerSecond: Double?
    @Option(help: "Requests in flight above which 429 is answered.") var concurrencyLimit: Int?
    @Option(help: "Raw Retry-After value sent with 429s.") var retryAfter: String?
    @Option(help: "Start of a simulated outage, after start (duration).") var outageAfterSeconds: DurationArgument?
    @Option(help: "Length of the outage: every API request answered 503 (duration).") var outageSeconds: DurationArgument?
    @Option(help: "An outage counted in requests: the first N API requests are answered 503.") var outageRequests: Int?
    @Option(help: "Fraction of 200 answers made malformed.") var malformedRate: Double?
    @Option(help: "Fraction of status answers with an undocumented status.") var unknownStatusRate: Double?
    @Option(help: "Fraction of jobs that end FAILED.") var failureRate: Double?
    @Option(help: "Images whose URL contains this always end FAILED.") var failUrlSubstring: String?
    @Option(help: "/queue for images whose URL contains this answers 402.") var refuseUrlSubstring: String?
    @Option(help: "The message of that refusal.") var refuseMessage: String?
    @Flag(inversion: .prefixedNo, help: "Send completion webhooks (to loopback targets only).") var webhooks = true
    @Option(help: "Delay between completion and its webhook (duration).") var webhookDelaySeconds: DurationArgument?
    @Option(help: "Fraction of webhooks delivered twice.") var webhookDuplicateRate: Double?
    @Option(help: "Random extra webhook delay 0...x, to reorder them (duration).") var webhookShuffleSeconds: DurationArgument?
    @Option(help: "Attempts per webhook delivery.") var webhookAttempts: Int?
    @Flag(help: "Status answers never go past IN_PROGRESS for completed jobs; only webhooks tell.")
    var holdCompletionFromStatus = false
    @Flag(help: "Serve HTTPS with a certificate made at start.") var tls = false
    @Option(help: "Write the CA certificate (PEM) that signed it here.") var tlsCaOutputPath: String?
    @Option(help: "Seed for deterministic randomness.") var seed: UInt64?
    @Option(help: "Log level on standard error (trace, debug, info, notice, warning, error).")
    var logLevel = "info"

    mutating func validate() throws {
        for (name, value) in [
            ("--duration-jitter", durationJitter), ("--server-error-rate", serverErrorRate),
            ("--drop-after-accept-rate", dropAfterAcceptRate), ("--malformed-rate", malformedRate),
            ("--unknown-status-rate", unknownStatusRate), ("--failure-rate", failureRate),
            ("--webhook-duplicate-rate", webhookDuplicateRate),
        ] {
            if let value, !(0...1).contains(value) {
                throw ValidationError("\(name) must be between 0 and 1, got \(value)")
            }
        }
        if let rate = rateLimitPerSecond, !(rate > 0) { throw ValidationError("--rate-limit-per-second must be above 0") }
        if let limit = concurrencyLimit, limit < 1 { throw ValidationError("--concurrency-limit must be at least 1") }
        if let attempts = webhookAttempts, attempts < 1 { throw ValidationError("--webhook-attempts must be at least 1") }
        if let cost = fastCost, cost < 0 { throw ValidationError("--fast-cost must not be negative") }
        if let cost = professionalCost, cost < 0 { throw ValidationError("--professional-cost must not be negative") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level: unknown level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        var logger = Logger(label: "upscale-batch.simulate") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        let server: SimulatorServer
        do {
            server = try await SimulatorServer.start(makeConfiguration(), logger: logger)
        } catch {
            FileHandle.standardError.write(Data("simulate: cannot start: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let line = "listening on \(server.baseURL)"
        // Announced only once SIGTERM/SIGINT are trapped, so a supervisor that signals as soon
        // as it reads the line gets a clean exit 0.
        try await server.run {
            print(line)
            fflush(nil)
        }
    }

    /// The flags over `SimulatorConfiguration`'s defaults.
    func makeConfiguration() -> SimulatorConfiguration {
        var config = SimulatorConfiguration()
        config.host = listen.host
        config.port = listen.port
        config.apiKey = apiKey ?? ProcessInfo.processInfo.environment["ENHANCOR_API_KEY"] ?? "sim-key"
        if let v = latencySeconds { config.latencySeconds = v.seconds }
        if let v = fastDuration { config.fastDuration = v.seconds }
        if let v = professionalDuration { config.professionalDuration = v.seconds }
        if let v = durationJitter { config.durationJitter = v }
        if let v = fastCost { config.fastCost = v }
        if let v = professionalCost { config.professionalCost = v }
        if let v = serverErrorRate { config.serverErrorRate = v }
        if let v = dropAfterAcceptRate { config.dropAfterAcceptRate = v }
        config.rateLimitPerSecond = rateLimitPerSecond
        config.concurrencyLimit = concurrencyLimit
        if let v = retryAfter { config.retryAfter = v }
        if let v = outageAfterSeconds { config.outageAfterSeconds = v.seconds }
        if let v = outageSeconds { config.outageSeconds = v.seconds }
        if let v = outageRequests { config.outageRequests = max(0, v) }
        if let v = malformedRate { config.malformedRate = v }
        if let v = unknownStatusRate { config.unknownStatusRate = v }
        if let v = failureRate { config.failureRate = v }
        config.failURLSubstring = failUrlSubstring
        config.refuseURLSubstring = refuseUrlSubstring
        if let v = refuseMessage { config.refuseMessage = v }
        config.webhooksEnabled = webhooks
        if let v = webhookDelaySeconds { config.webhookDelaySeconds = v.seconds }
        if let v = webhookDuplicateRate { config.webhookDuplicateRate = v }
        if let v = webhookShuffleSeconds { config.webhookShuffleSeconds = v.seconds }
        if let v = webhookAttempts { config.webhookAttempts = v }
        config.holdCompletionFromStatus = holdCompletionFromStatus
        config.tls = tls
        config.tlsCAOutputPath = tlsCaOutputPath
        config.seed = seed
        return config
    }
}
