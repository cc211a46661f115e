/// Everything one `run` needs to know besides the store and the client.
public struct RunConfiguration: Sendable {
    /// The hard limit of API requests in flight at once (submissions and polls together).
    public var concurrency: Int = 8
    /// The longest wait between two polls of a job while webhooks are not seen working.
    public var pollInterval: Double = 5
    /// The wait between polls of a job whose cost is known once webhooks finish jobs.
    public var fallbackPollInterval: Double = 300
    /// Stop (`.maxWaitReached`) after this many seconds; nil runs until every job in scope is final.
    public var maxWait: Double?
    /// A job in flight longer than this ends FAILED.
    public var jobTimeout: Double = 24 * 3600
    /// Only this batch.
    public var batch: String?
    /// The webhook URL sent with every job, before `ub_job=` and `ub_token=` are added.
    public var webhookBaseURL: String
    /// Whether `webhookBaseURL` reaches a receiver of ours, not the reserved address of a run
    /// by polls alone: recorded with each attempt, so an attempt in doubt waits `doubtWait` for
    /// a webhook naming its job before it is resubmitted.
    public var webhookOfOurs: Bool
    /// How long an attempt in doubt sent with a webhook URL of ours waits for
    /// a webhook before it is resubmitted.
    public var doubtWait: Double = 600
    /// The salted fingerprint of the API key and base URL (`SQLiteJobStore.accountFingerprint`),
    /// recorded with every submission; nil records none.
    public var account: String?
    /// Three 404s to a request's polls over at least this long end it.
    public var unknownRequestAfter: Double = 600
    /// How long the run waits for a lost store's server (a PostgreSQL restart) before it
    /// stops (exit 75); meanwhile it claims no new work and retries its commits.
    public var storeGrace: Double = 60
    /// How long the run's claims hold after its last heartbeat (renewed every lease/3): on a
    /// shared store the other runners take them over once it has passed.
    public var lease: Double = RunIdentity.defaultLease
    /// How long requests in flight may take to finish after a stop was asked for.
    public var shutdownGrace: Double = 5
    /// This many identical refusals in a row stop submitting (an account problem, not a job's).
    public var refusalStreakLimit: Int = 5
    /// The most credits this run may commit to (quoted plus expected).
    public var maxSpend: Int64?
    /// The store's cost history per mode (sum and count), for the expected cost of a job.
    public var costHistory: [Mode: CostHistory] = [:]
    /// At most this many requests per second across the pool.
    public var requestsPerSecond: Double?
    /// The run's own limits combined with the store's, when the caller read them
    /// (`apply(_:)`): the start line says where `concurrency` and `requestsPerSecond` came from.
    public private(set) var limits: RunLimits?
    /// Told each job a status answer finished as COMPLETED, once its answer is committed
    /// (a run that downloads starts keeping the result at once: result URLs expire).
    public var onJobCompleted: (@Sendable (Int64) -> Void)?
    /// Called about every `housekeepingInterval` seconds from the monitor, e.g. to pick up jobs
    /// that webhooks finished.
    public var onHousekeeping: (@Sendable () -> Void)?
    public var housekeepingInterval: Double = 5
    /// How the caller gives a setting (the executable: its flag), added to the core's messages
    /// ("the job timeout (--job-timeout)"); nil leaves the setting unnamed.
    public var naming: @Sendable (RunSetting) -> String? = { _ in nil }

    public init(webhookBaseURL: String) {
        self.webhookBaseURL = webhookBaseURL
        self.webhookOfOurs = webhookBaseURL != Self.pollOnlyWebhookURL
    }

    /// Works under `limits`: its concurrency and rate become the run's.
    public mutating func apply(_ limits: RunLimits) {
        self.limits = limits
        concurrency = limits.concurrency
        requestsPerSecond = limits.rate
    }

    /// The history the spending cap starts from, from the store's estimate.
    public static func costHistory(from estimate: CostEstimate) -> [Mode: CostHistory] {
        var history: [Mode: CostHistory] = [:]
        for mode in estimate.modes where mode.knownJobs > 0 {
            history[mode.mode] = CostHistory(total: mode.knownCost, count: Int64(mode.knownJobs))
        }
        return history
    }

    /// What one mode's jobs have cost so far: the basis of an expected cost.
    public struct CostHistory: Sendable, Equatable {
        public var total: Int64
        public var count: Int64
        public init(total: Int64, count: Int64) {
            self.total = total
            self.count = count
        }
    }

    /// The reserved address sent by a run that polls alone: it never resolves, so results come from polls.
    public static let pollOnlyWebhookURL = "https://webhook.invalid/upscale-batch"
}
