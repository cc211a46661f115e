import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// A running simulator of Enhancor's Portrait Upscaler API on one local port.
///
/// `start` returns once the port is bound (so a test can use `baseURL` at once) and keeps the
/// server in its own `ServiceGroup`; `stop` shuts that group down gracefully. The group
/// listens to no signals: a command that wants SIGTERM/SIGINT calls `run()`.
public final class SimulatorServer: Sendable {
    /// The bound port (the OS's pick when the configuration asked for 0).
    public let port: Int
    /// The API base URL, e.g. "http://127.0.0.1:PORT/api/upscaler/v1" ("https://" with TLS).
    public let baseURL: String
    /// "http://127.0.0.1:PORT": where the result images and admin endpoints are.
    public let origin: String
    /// The PEM of the CA that signed the server certificate (nil without TLS), for clients.
    public let caCertificatePEM: String?

    private let state: SimulatorState
    private let group: ServiceGroup
    private let runTask: Task<Void, any Error>

    private init(
        port: Int, origin: String, caPEM: String?, state: SimulatorState, group: ServiceGroup,
        runTask: Task<Void, any Error>
    ) {
        self.port = port
        self.origin = origin
        baseURL = origin + SimulatorResponder.basePath
        caCertificatePEM = caPEM
        self.state = state
        self.group = group
        self.runTask = runTask
    }

    /// Binds and starts the simulator; throws when the address cannot be bound or TLS set up.
    public static func start(_ configuration: SimulatorConfiguration, logger: Logger) async throws -> SimulatorServer {
        let state = SimulatorState(configuration: configuration)
        let webhooks = WebhookDispatcher(state: state, logger: logger)
        var caPEM: String?
        let server: HTTPServerBuilder
        do {
            if configuration.tls {
                let certificates = try SimulatorCertificates.make()
                caPEM = certificates.caPEM
                if let path = configuration.tlsCAOutputPath {
                    try certificates.caPEM.write(toFile: path, atomically: true, encoding: .utf8)
                }
                server = try .tls(.http1(), tlsConfiguration: certificates.serverTLS)
            } else {
                server = .http1()
            }
        } catch {
            try? await webhooks.shutdownClient()
            throw error
        }

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: SimulatorResponder(state: state, webhooks: webhooks),
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "enhancor-simulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        // Shut down in reverse order: the HTTP server first, then pending webhooks.
        let group = ServiceGroup(services: [webhooks, app], logger: logger)
        let runTask = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The group ended before the server ran: surface its error (e.g. address in use).
            try await runTask.value
            try? await webhooks.shutdownClient()
            throw SimulatorStartError(message: "the simulator stopped before it was listening")
        }
        let scheme = configuration.tls ? "https" : "http"
        let origin = "\(scheme)://\(Self.urlHost(configuration.host)):\(port)"
        state.setOrigin(origin)
        logger.info("simulator listening", metadata: ["simulator.base_url": .string(origin + SimulatorResponder.basePath)])
        return SimulatorServer(
            port: port, origin: origin, caPEM: caPEM, state: state, group: group, runTask: runTask)
    }

    /// A snapshot of what the simulator has seen and done so far.
    public func ledger() -> SimulatorLedger {
        state.ledger()
    }

    /// Starts an outage now that ends after `requests` API requests, each answered 503: a
    /// test says when the outage happens instead of racing a window measured from the start.
    public func beginOutage(requests: Int) {
        state.beginOutage(requests: requests)
    }

    /// Answers the next `requests` authenticated API requests 429 with the configured
    /// `Retry-After`: a rate limit that a test starts when it says, whatever the machine's speed
    /// (a per-second limit refills while a slow machine sends its next request).
    public func beginRateLimit(requests: Int) {
        state.beginRateLimit(requests: requests)
    }

    /// Forgets request ids (nil: all), as an API that lost them: their status polls answer 404
    /// from now on. Also `POST /__admin/forget` with `{"request_ids": [...]}` (or `{}` for all).
    @discardableResult
    public func forget(requestIDs: [String]?) -> Int {
        state.forget(requestIDs)
    }

    /// Stops gracefully (in-flight answers finish, pending webhooks are dropped) and returns
    /// once the server has stopped. Safe to call more than once.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await runTask.value
    }

    /// Runs until SIGTERM or SIGINT, then stops gracefully and returns; also returns if the
    /// server stops on its own (throwing its error, if it had one).
    public func run() async throws {
        try await run(onSignalsTrapped: {})
    }

    /// `run()`, calling `onSignalsTrapped` once SIGTERM and SIGINT are trapped: the moment to
    /// announce readiness, since a signal sent before it would kill the process instead.
    public func run(onSignalsTrapped: @escaping @Sendable () -> Void) async throws {
        let watcher = SignalWatcher(server: self, onStart: onSignalsTrapped)
        let signals = ServiceGroup(
            services: [watcher], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "simulator.signals"))
        try await signals.run()
    }

    /// Waits for the server's own group to end.
    func waitUntilStopped() async throws {
        try await runTask.value
    }

    /// Host as written in a URL: IPv6 literals in brackets.
    static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}
