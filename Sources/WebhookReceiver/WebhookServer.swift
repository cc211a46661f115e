import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UpscaleBatch

/// The webhook receiver as a running HTTP server, writing each webhook into the job store.
///
/// Two hosts use it: `run --listen` starts it in-process next to the runner (one process
/// writing the store is the set-up SQLite's WAL likes best) and stops it with `stop()` when
/// the run ends; `webhook serve` starts it and calls `run()`, which returns after SIGTERM or
/// SIGINT (`WebhookServer+Signals.swift`). Stopping is always graceful (ServiceGroup's `triggerGracefulShutdown`): requests
/// in progress are answered, so a webhook being recorded is never cut off half-way.
public final class WebhookServer: Sendable {
    /// The bound port: the OS's pick when started on port 0.
    public let port: Int

    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let counters: WebhookCounters
    let logger: Logger

    /// The longest a webhook waits for a store another process is writing before it is
    /// answered 503 (the API's sender times out long before the store's own minute).
    public static let defaultBusyTimeout: TimeInterval = 5
    /// A connection that has not sent a whole request this long after it was ready for one is
    /// dropped, however slowly it trickles bytes.
    public static let defaultRequestDeadline: TimeInterval = 30

    /// Webhooks answered 200 so far (recorded, ignored as not final, or duplicates), for the
    /// run's summary.
    public var receivedCount: Int { counters.acceptedCount }

    /// Webhooks refused so far (401, 400, 404, 409), for the run's summary.
    public var refusals: WebhookRefusals { counters.refusals }

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>, counters: WebhookCounters, logger: Logger) {
        self.port = port
        self.group = group
        self.task = task
        self.counters = counters
        self.logger = logger
    }

    /// Binds `host:port` (port 0: the OS picks one) and serves until `stop()`; returns once
    /// the server is listening, so `port` is known. Binds only the address given.
    ///
    /// Throws the bind error when the address cannot be used, and `StoreError` when the
    /// store's webhook secret cannot be read.
    /// `observability`, when given, answers `GET /metrics` and counts webhooks by outcome.
    /// `busyTimeout` and `requestDeadline` are the receiver's limits (5 s, 30 s); tests set
    /// them shorter.
    public static func start(
        store: any JobStore, host: String, port: Int, logger: Logger, observability: WebhookObservability? = nil,
        busyTimeout: TimeInterval = defaultBusyTimeout, requestDeadline: TimeInterval = defaultRequestDeadline
    ) async throws -> WebhookServer {
        let secret = try await store.webhookSecret()
        if secret.isEmpty {
            logger.error("the job store has no webhook secret: every webhook will be refused (401)")
        }
        let counters = WebhookCounters()
        let responder = WebhookResponder(
            commits: WebhookCommits(store: store, busyTimeout: busyTimeout), tokenCheck: TokenCheck(secret: secret),
            counters: counters)
        let deadline = TimeAmount.milliseconds(Int64(requestDeadline * 1000))
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: observability.map { AnyWebhookResponder(ObservedResponder(inner: responder, observability: $0)) }
                ?? AnyWebhookResponder(responder),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [RequestDeadlineHandler(deadline: deadline)], idleTimeout: .seconds(75))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? port)
                boundContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { boundContinuation.finish() }
            try await group.run()
        }
        var iterator = bound.makeAsyncIterator()
        guard let boundPort = await iterator.next() else {
            // The server stopped before listening: its error says why (address in use...).
            try await task.value
            throw WebhookServerError.stoppedBeforeListening(host: host, port: port)
        }
        logger.info("webhook receiver listening", metadata: ["http.host": "\(host)", "http.port": "\(boundPort)"])
        return WebhookServer(port: boundPort, group: group, task: task, counters: counters, logger: logger)
    }

    /// Stops accepting connections, answers the requests in progress, and returns when the
    /// server has stopped. Safe to call more than once.
    public func stop() async {
        await group.triggerGracefulShutdown()
        do {
            try await task.value
        } catch {
            logger.warning("webhook receiver stopped with an error", metadata: ["error": "\(error)"])
        }
    }

    /// Waits for the server to stop (on `stop()`, or on its own), throwing its error if it had one.
    func waitUntilStopped() async throws {
        try await task.value
    }
}
