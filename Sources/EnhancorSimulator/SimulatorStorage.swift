/// The simulator's mutable state, only ever touched under `SimulatorState`'s lock.
struct SimulatorStorage: Sendable {
    var jobs: [String: SimulatedJob] = [:]
    var nextSequence = 1
    var random: SeededRandom
    /// "http://127.0.0.1:PORT", known once the server is bound.
    var origin = ""

    var requests: [String: [String: Int]] = [:]
    var inFlight = 0
    var maxInFlight = 0
    var totalRequests = 0
    var submissionsByURL: [String: Int] = [:]
    var webhooksSent = 0
    var webhooksFailed = 0
    var webhooksNotDelivered = 0
    var resultDownloads = 0
    /// Arrival times of the API requests of the last second, oldest first, and the most that
    /// ever arrived within one second (a sliding window): what a client's `--rate` must bound.
    var recentArrivals: [ContinuousClock.Instant] = []
    var arrivalsHead = 0
    var busiestSecond = 0
    /// API requests still to be answered 503 by a counted outage (`outageRequests`).
    var outageRequestsLeft = 0
    /// API requests still to be answered 429 (`beginRateLimit(requests:)`).
    var rateLimitedRequestsLeft = 0

    /// Token bucket for `rateLimitPerSecond`.
    var tokens: Double
    var tokensRefilledAt: ContinuousClock.Instant

    init(seed: UInt64, burst: Double, now: ContinuousClock.Instant) {
        random = SeededRandom(seed: seed)
        tokens = burst
        tokensRefilledAt = now
    }
}
