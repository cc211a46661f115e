import AsyncHTTPClient
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The Enhancor API over AsyncHTTPClient: pooled keep-alive connections (up to
/// `maxConnections` to the API host), one retry policy with a shared retry budget, and a
/// shared pause gate so a 429 or an outage pauses every request of this client.
///
/// Non-blocking throughout: calls return at once and complete later; waits (backoff,
/// Retry-After, outage probes) are timers on an event loop, never a sleeping thread.
/// Completions run on an event loop thread unless a `callbackQueue` is given: never block in
/// them. Call `shutdown()` before releasing the client.
public final class EnhancorHTTPClient: EnhancorClient {
    let configuration: EnhancorClientConfiguration
    let logger: Logger
    let httpClient: HTTPClient
    let eventLoopGroup: any EventLoopGroup
    let callbackQueue: DispatchQueue?
    let control: Mutex<ClientControlState>
    let connections: ConnectionCounter
    let queueTemplate: HTTPClient.Request
    let statusTemplate: HTTPClient.Request

    /// Sets up the client. Throws `.configuration` for a base URL that is not http(s), a key
    /// that is not printable ASCII without spaces, an unreadable CA file, or an unusable proxy
    /// setting.
    /// - Parameters:
    ///   - eventLoopGroup: where connections and timers run (NIO's shared singleton by default).
    ///   - callbackQueue: where completions run; nil runs them on the event loop (fastest).
    public init(
        configuration: EnhancorClientConfiguration, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        callbackQueue: DispatchQueue? = nil
    ) throws(EnhancorError) {
        _ = try configuration.target()
        if let violation = APIKeyRule.firstViolation(in: configuration.apiKey.utf8) {
            // The executable checks first and names the variable; this guards every other caller.
            throw .configuration(detail: "the API key holds \(violation) (it must be printable ASCII without spaces)")
        }
        let proxy = try configuration.proxy()
        let tls: TLSConfiguration
        do {
            tls = try ClientTLS.configuration(caFilePath: configuration.caFilePath)
        } catch {
            throw .configuration(detail: error.message)
        }
        let connections = ConnectionCounter()
        var settings = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(configuration.connectTimeout)),
            proxy: proxy.map(Self.ahcProxy), decompression: .disabled)
        settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, configuration.maxConnections)
        settings.http1_1ConnectionDebugInitializer = { channel in
            connections.increment()
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        settings.http2ConnectionDebugInitializer = settings.http1_1ConnectionDebugInitializer

        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: configuration.userAgent)
        headers.add(name: "x-api-key", value: configuration.apiKey)
        do {
            queueTemplate = try HTTPClient.Request(url: configuration.trimmedBaseURL + "/queue", method: .POST, headers: headers)
            statusTemplate = try HTTPClient.Request(
                url: configuration.trimmedBaseURL + "/status", method: .POST, headers: headers)
        } catch {
            throw .configuration(detail: "base URL is not usable: \(EnhancorClientConfiguration.redacted(configuration.baseURL))")
        }

        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.callbackQueue = callbackQueue
        self.connections = connections
        self.control = Mutex(ClientControlState(policy: configuration.retry, now: Self.now()))
        self.httpClient = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: settings)
        if let proxy {
            logger.info("using a proxy for the API", metadata: ["api.proxy": "\(proxy)"])
        }
    }

    // MARK: EnhancorClient

    public func submit(
        imageURL: String, webhookURL: String, mode: Mode,
        completion: @escaping @Sendable (Result<String, EnhancorError>) -> Void
    ) {
        var request = queueTemplate
        request.body = .byteBuffer(RequestBody.queue(imageURL: imageURL, webhookURL: webhookURL, mode: mode))
        let apiKey = configuration.apiKey
        start(
            PendingCall(
                id: control.withLock { $0.makeID() }, endpoint: .queue, request: request,
                logger: logger, judge: { Self.queueVerdict($0, apiKey: apiKey) }, completion: completion))
    }

    public func status(
        requestID: String,
        completion: @escaping @Sendable (Result<StatusAnswer, EnhancorError>) -> Void
    ) {
        var request = statusTemplate
        request.body = .byteBuffer(RequestBody.status(requestID: requestID))
        let apiKey = configuration.apiKey
        let callLogger = {
            var logger = self.logger
            logger[metadataKey: "job.request_id"] = "\(requestID)"
            return logger
        }()
        start(
            PendingCall(
                id: control.withLock { $0.makeID() }, endpoint: .status, request: request,
                logger: callLogger, judge: { Self.statusVerdict($0, apiKey: apiKey) },
                completion: { result in
                    if case .success(let answer) = result, answer.state == nil {
                        // An unknown status value means "still in flight" (the API may add states); log it.
                        callLogger.warning(
                            "unknown status value from the API", metadata: ["api.raw_status": "\(answer.rawStatus)"])
                    }
                    completion(result)
                }))
    }

    // MARK: Control

    /// True while requests are held back: a 429 pause or an outage (probing).
    public var isPaused: Bool {
        let now = Self.now()
        return control.withLock { $0.gate.isPaused(now: now) }
    }

    /// True while the client is in an outage and probes one request at a time.
    public var isInOutage: Bool { control.withLock { $0.gate.isInOutage } }

    /// What the client has done so far, for the run's summary.
    public var counters: EnhancorClientCounters {
        var counters = control.withLock { $0.counters }
        counters.connectionsOpened = connections.value
        return counters
    }

    /// Stops the client's waiting: every call waiting on a pause, a backoff or an outage
    /// completes with `.cancelled` now, calls in flight complete with their answer (or
    /// `.cancelled` where they would retry), and later calls complete with `.cancelled` at once.
    public func cancelAll() {
        let waiting: [ClientControlState.Waiting] = control.withLock { state in
            state.cancelled = true
            let timed = Array(state.timed.values)
            state.timed.removeAll()
            return state.gate.removeAllWaiters() + timed
        }
        if !waiting.isEmpty {
            logger.info("cancelled waiting API calls", metadata: ["api.cancelled": "\(waiting.count)"])
        }
        for call in waiting { call.cancel() }
    }

    /// Cancels waiting calls and closes the connections. Requests still in flight are
    /// cancelled (a submission already sent then completes `.ambiguous`).
    public func shutdown() async throws {
        cancelAll()
        try await httpClient.shutdown()
    }

    // MARK: Helpers

    /// Seconds on the monotonic clock NIO's timers use.
    static func now() -> Double {
        Double(NIODeadline.now().uptimeNanoseconds) / 1e9
    }

    static func deadline(at seconds: Double) -> NIODeadline {
        .uptimeNanoseconds(UInt64(max(0, seconds) * 1e9))
    }

    static func timeAmount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(max(0.001, seconds) * 1e9))
    }

    static func ahcProxy(_ proxy: ProxySettings) -> HTTPClient.Configuration.Proxy {
        switch proxy.kind {
        case .socks5:
            return .socksServer(host: proxy.host, port: proxy.port)
        case .http:
            let authorization = proxy.username.map {
                HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "")
            }
            return .server(host: proxy.host, port: proxy.port, authorization: authorization)
        }
    }

    /// Counts connections as AsyncHTTPClient sets them up.
    final class ConnectionCounter: Sendable {
        private let count = Atomic<Int>(0)
        func increment() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }
}
