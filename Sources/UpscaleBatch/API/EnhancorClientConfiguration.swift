import Foundation

/// Everything the HTTP client needs, gathered by the executable from flags and environment.
///
/// The API key is kept here and sent only in the `x-api-key` header: `description` and
/// `debugDescription` redact it, so printing or logging a configuration is safe.
public struct EnhancorClientConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The API's base URL, e.g. `https://apireq.enhancor.ai/api/upscaler/v1`.
    public var baseURL: String
    /// The API key. Never printed.
    public var apiKey: String
    /// Connections kept to the API host: set it to the run's concurrency (AsyncHTTPClient's
    /// default of 8 would cap throughput at 8 requests in flight).
    public var maxConnections: Int
    /// Seconds allowed to open a connection (TCP, proxy and TLS handshakes).
    public var connectTimeout: Double
    /// Seconds allowed for one request, from start to the end of the answer.
    public var requestTimeout: Double
    /// A PEM file of extra CA certificates trusted on top of the system's trust store.
    public var caFilePath: String?
    /// The environment proxies are read from (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, ...).
    public var environment: [String: String]
    /// Retries, backoff, pauses and the retry budget.
    public var retry: RetryPolicy
    /// Sent as `User-Agent`.
    public var userAgent: String
    /// Where each request's endpoint, HTTP status and duration are counted; nil counts nothing.
    public var metrics: UpscaleBatchMetrics?
    /// How the caller gives a setting (the executable: its flag), added to the client's
    /// configuration errors ("give its CA with --ca-file"); nil leaves the setting unnamed.
    public var naming: @Sendable (RunSetting) -> String? = { _ in nil }

    public init(
        baseURL: String, apiKey: String, maxConnections: Int = 8,
        connectTimeout: Double = 10, requestTimeout: Double = 30, caFilePath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        retry: RetryPolicy = RetryPolicy(),
        userAgent: String = "upscale-batch/\(UpscaleBatchVersion.current)"
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.caFilePath = caFilePath
        self.environment = environment
        self.retry = retry
        self.userAgent = userAgent
    }

    /// The base URL without a trailing slash.
    var trimmedBaseURL: String {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Scheme and host of the base URL, or a configuration error.
    func target() throws(EnhancorError) -> (scheme: String, host: String) {
        guard let target = HTTPURL.target(of: trimmedBaseURL) else {
            throw .configuration(detail: "base URL is not an absolute http(s) URL: \(Self.redacted(baseURL))")
        }
        return target
    }

    /// The proxy the client will use, if any.
    public func proxy() throws(EnhancorError) -> ProxySettings? {
        let target = try target()
        return try ProxySettings.resolve(scheme: target.scheme, host: target.host, environment: environment)
    }

    public var description: String {
        let proxyText: String
        do { proxyText = try proxy()?.description ?? "none" } catch { proxyText = "invalid" }
        return "EnhancorClientConfiguration(baseURL: \(Self.redacted(baseURL)), apiKey: [REDACTED], "
            + "maxConnections: \(maxConnections), connectTimeout: \(connectTimeout) s, "
            + "requestTimeout: \(requestTimeout) s, caFile: \(caFilePath ?? "system trust store"), proxy: \(proxyText))"
    }

    public var debugDescription: String { description }

    /// A URL with any user-info removed, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else {
            return url
        }
        components.user = nil
        components.password = nil
        return components.string ?? "(unprintable URL)"
    }
}
