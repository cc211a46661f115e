import UpscaleBatch

/// What the receiver reports about itself: webhooks counted by outcome, and the text of
/// `GET /metrics` (Prometheus' format, made by the executable, which owns the exporter).
public struct WebhookObservability: Sendable {
    public var metrics: UpscaleBatchMetrics
    /// The body of `GET /metrics`.
    public var metricsText: @Sendable () async -> String

    public init(metrics: UpscaleBatchMetrics, metricsText: @escaping @Sendable () async -> String) {
        self.metrics = metrics
        self.metricsText = metricsText
    }

    /// A webhook's outcome label, from the status the receiver answered.
    static func outcome(status: Int) -> String {
        switch status {
        case 200: "accepted"
        case 400: "bad_request"
        case 401: "unauthorized"
        case 404: "unknown_job"
        case 409: "not_submitted"
        case 413: "too_large"
        case 503: "store_busy"
        default: "other"
        }
    }
}
