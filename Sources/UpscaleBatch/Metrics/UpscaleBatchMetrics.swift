import CoreMetrics

/// The metrics this tool records (README, "Metrics"), through swift-metrics' API so the core
/// knows nothing of the exporter. The executable hands in a Prometheus-backed factory; tests
/// hand in their own registry's factory (no process-wide bootstrap needed).
///
/// Counters count what this process did (requests, submissions, credits, webhooks); gauges
/// describe the whole store (`StoreMetricsSnapshot`), so several processes never double-count.
/// No label ever carries a job id, a URL or a request id: label values come from small fixed
/// sets (endpoint, HTTP status, mode, state, webhook outcome), so the series stay few.
public final class UpscaleBatchMetrics: Sendable {
    /// Metric names, Prometheus style: the `upscale_batch_` prefix, base units, `_total` on counters.
    public enum Name {
        public static let apiRequests = "upscale_batch_api_requests_total"
        public static let apiRequestDuration = "upscale_batch_api_request_duration_seconds"
        public static let submissions = "upscale_batch_submissions_total"
        public static let possibleDuplicates = "upscale_batch_possible_duplicates_total"
        public static let creditsSpent = "upscale_batch_credits_spent_total"
        public static let creditsQuoted = "upscale_batch_credits_quoted_total"
        public static let webhooks = "upscale_batch_webhooks_received_total"
        public static let jobs = "upscale_batch_jobs"
        public static let oldestUnfinishedAge = "upscale_batch_oldest_unfinished_job_age_seconds"
        public static let runnersAlive = "upscale_batch_runners_alive"
        public static let lastSuccess = "upscale_batch_last_success_timestamp_seconds"
    }

    /// Buckets of the request duration histogram, in seconds: an upscaling API answers in tens
    /// of milliseconds when well, and a request may take up to the request timeout (minutes).
    public static let durationBuckets: [Double] = [
        0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
    ]

    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
        // Series that exist from the start, at zero, so a dashboard's rate() sees them begin.
        _ = Counter(label: Name.submissions, factory: factory)
        _ = Counter(label: Name.possibleDuplicates, factory: factory)
        for mode in Mode.allCases {
            _ = Counter(label: Name.creditsSpent, dimensions: [("mode", mode.rawValue)], factory: factory)
            _ = Counter(label: Name.creditsQuoted, dimensions: [("mode", mode.rawValue)], factory: factory)
        }
    }

    // MARK: what this process did (counters)

    /// One API request answered (`status` is the HTTP status) or failed without an answer
    /// (`status` nil: counted as `error`), and how long it took.
    public func apiRequest(endpoint: String, status: Int?, seconds: Double) {
        Counter(
            label: Name.apiRequests, dimensions: [("endpoint", endpoint), ("status", status.map(String.init) ?? "error")],
            factory: factory
        ).increment()
        Timer(label: Name.apiRequestDuration, dimensions: [("endpoint", endpoint)], factory: factory)
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Submissions (POST /queue) sent, and those sent while an earlier attempt was in doubt.
    public func submitted(_ count: Int, possibleDuplicates: Int) {
        if count > 0 { Counter(label: Name.submissions, factory: factory).increment(by: count) }
        if possibleDuplicates > 0 { Counter(label: Name.possibleDuplicates, factory: factory).increment(by: possibleDuplicates) }
    }

    /// Credits of jobs that ended: `quoted` is what the API quoted on them (completed and
    /// failed), `spent` what the completed ones cost.
    public func credits(mode: String, quoted: Int64, spent: Int64) {
        if quoted > 0 {
            Counter(label: Name.creditsQuoted, dimensions: [("mode", mode)], factory: factory).increment(by: Int(quoted))
        }
        if spent > 0 {
            Counter(label: Name.creditsSpent, dimensions: [("mode", mode)], factory: factory).increment(by: Int(spent))
        }
    }

    /// A webhook answered, by outcome (`WebhookOutcomeLabel`).
    public func webhookReceived(outcome: String) {
        Counter(label: Name.webhooks, dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    // MARK: the whole store (gauges)

    /// Sets the store-wide gauges from one snapshot.
    public func record(_ snapshot: StoreMetricsSnapshot) {
        for state in JobState.allCases {
            Gauge(label: Name.jobs, dimensions: [("state", state.rawValue)], factory: factory)
                .record(Int64(snapshot.counts[state] ?? 0))
        }
        Gauge(label: Name.oldestUnfinishedAge, factory: factory).record(snapshot.oldestUnfinishedAge ?? 0)
        Gauge(label: Name.runnersAlive, factory: factory).record(Int64(snapshot.runnersAlive))
        Gauge(label: Name.lastSuccess, factory: factory).record(snapshot.lastSuccess ?? 0)
    }
}
