import Synchronization

/// The shared, locked state behind every route and the webhook dispatcher.
///
/// One `Mutex` around a plain struct: every decision (a fault, a job's timeline, a counter)
/// is one short critical section with no suspension inside, so it is race-free without an
/// actor hop per request.
final class SimulatorState: Sendable {
    let configuration: SimulatorConfiguration
    let startedAt: ContinuousClock.Instant
    private let storage: Mutex<SimulatorStorage>

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        let now = ContinuousClock.now
        startedAt = now
        let seed = configuration.seed ?? UInt64.random(in: .min ... .max)
        let burst = max(1, configuration.rateLimitPerSecond ?? 1)
        var initial = SimulatorStorage(seed: seed, burst: burst, now: now)
        initial.outageRequestsLeft = max(0, configuration.outageRequests)
        storage = Mutex(initial)
    }

    private func locked<T: Sendable>(_ body: (inout SimulatorStorage) -> T) -> T {
        storage.withLock { body(&$0) }
    }

    // MARK: Origin

    /// Sets the scheme, host and port that result URLs name, once the port is known.
    func setOrigin(_ origin: String) {
        locked { $0.origin = origin }
    }

    var origin: String {
        locked { $0.origin }
    }

    func resultURL(for requestID: String) -> String {
        origin + "/results/\(requestID).png"
    }

    // MARK: Requests in flight

    /// Counts an API request as arrived; returns how many are in flight now, itself included.
    func beginAPIRequest() -> Int {
        locked { storage in
            storage.inFlight += 1
            storage.totalRequests += 1
            storage.maxInFlight = max(storage.maxInFlight, storage.inFlight)
            let now = ContinuousClock.now
            // Times only grow: drop the expired ones from the front, compacting now and then.
            while storage.arrivalsHead < storage.recentArrivals.count,
                now - storage.recentArrivals[storage.arrivalsHead] >= .seconds(1)
            {
                storage.arrivalsHead += 1
            }
            if storage.arrivalsHead > 4096 {
                storage.recentArrivals.removeFirst(storage.arrivalsHead)
                storage.arrivalsHead = 0
            }
            storage.recentArrivals.append(now)
            storage.busiestSecond = max(storage.busiestSecond, storage.recentArrivals.count - storage.arrivalsHead)
            return storage.inFlight
        }
    }

    /// Counts an API request as answered with `code` ("200", "429", "dropped", ...).
    func endAPIRequest(endpoint: String, code: String) {
        locked { storage in
            storage.inFlight -= 1
            storage.requests[endpoint, default: [:]][code, default: 0] += 1
        }
    }

    // MARK: Faults

    /// Whether this API request falls in an outage: a counted one (it takes one of the
    /// requests left) or the timed one.
    func isInOutage(at now: ContinuousClock.Instant) -> Bool {
        let counted = locked { storage -> Bool in
            guard storage.outageRequestsLeft > 0 else { return false }
            storage.outageRequestsLeft -= 1
            return true
        }
        if counted { return true }
        guard let after = configuration.outageAfterSeconds, configuration.outageSeconds > 0 else { return false }
        let begins = startedAt + .seconds(after)
        return now >= begins && now < begins + .seconds(configuration.outageSeconds)
    }

    /// Starts a counted outage now: the next `requests` API requests are answered 503.
    func beginOutage(requests: Int) {
        locked { $0.outageRequestsLeft = max(0, requests) }
    }

    /// Answers the next `requests` authenticated API requests 429, from now on.
    func beginRateLimit(requests: Int) {
        locked { $0.rateLimitedRequestsLeft = max(0, requests) }
    }

    /// Whether this request is one of those `beginRateLimit` asked to answer 429.
    func takeRateLimitedRequest() -> Bool {
        locked { storage in
            guard storage.rateLimitedRequestsLeft > 0 else { return false }
            storage.rateLimitedRequestsLeft -= 1
            return true
        }
    }

    /// Takes a token from the rate limiter's bucket; false when the request is over the rate.
    func takeRateToken(at now: ContinuousClock.Instant) -> Bool {
        guard let rate = configuration.rateLimitPerSecond else { return true }
        return locked { storage in
            let elapsed = now - storage.tokensRefilledAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            storage.tokens = min(max(1, rate), storage.tokens + seconds * rate)
            storage.tokensRefilledAt = now
            guard storage.tokens >= 1 else { return false }
            storage.tokens -= 1
            return true
        }
    }

    func chance(_ rate: Double) -> Bool {
        locked { $0.random.chance(rate) }
    }

    func randomElement<T: Sendable>(_ choices: [T]) -> T {
        locked { choices.randomElement(using: &$0.random)! }
    }

    // MARK: Jobs

    /// Creates a job: its id, cost, duration and outcome are fixed here, and so is its webhook.
    func submit(imageURL: String, webhookURL: String, mode: String) -> (SimulatedJob, WebhookDelivery?) {
        let config = configuration
        let now = ContinuousClock.now
        return locked { storage in
            let sequence = storage.nextSequence
            storage.nextSequence += 1
            let suffix = String(storage.random.next() & 0xFFFF_FFFF, radix: 16)
            let requestID = "sim-\(sequence)-\(suffix)"
            let base = mode == "professional" ? config.professionalDuration : config.fastDuration
            let jitter = max(0, min(1, config.durationJitter))
            let factor = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter), using: &storage.random) : 1
            let outcome: SimulatedJob.Outcome
            if let fail = config.failURLSubstring, !fail.isEmpty, imageURL.contains(fail) {
                outcome = .failed("could not process image: download failed")
            } else if storage.random.chance(config.failureRate) {
                outcome = .failed("image processing failed")
            } else {
                outcome = .completed
            }
            let job = SimulatedJob(
                requestID: requestID, imageURL: imageURL, webhookURL: webhookURL, mode: mode,
                cost: mode == "professional" ? config.professionalCost : config.fastCost,
                submittedAt: now, duration: max(0, base * factor), outcome: outcome)
            storage.jobs[requestID] = job
            storage.submissionsByURL[imageURL, default: 0] += 1

            guard config.webhooksEnabled, outcome == .completed else { return (job, nil) }
            var delay = max(0, config.webhookDelaySeconds)
            if config.webhookShuffleSeconds > 0 {
                delay += Double.random(in: 0...config.webhookShuffleSeconds, using: &storage.random)
            }
            let copies = storage.random.chance(config.webhookDuplicateRate) ? 2 : 1
            let delivery = WebhookDelivery(
                requestID: requestID, url: webhookURL,
                resultURL: storage.origin + "/results/\(requestID).png",
                dueAt: job.finishesAt + .seconds(delay), copies: copies)
            return (job, delivery)
        }
    }

    func job(_ requestID: String) -> SimulatedJob? {
        locked { $0.jobs[requestID] }
    }

    /// Forgets request ids, as an API that lost or expired them: their polls answer 404 from
    /// now on (the ledger keeps what it counted). nil forgets every request. Returns how many.
    @discardableResult
    func forget(_ requestIDs: [String]?) -> Int {
        locked { storage in
            guard let requestIDs else {
                defer { storage.jobs.removeAll() }
                return storage.jobs.count
            }
            return requestIDs.reduce(0) { count, id in count + (storage.jobs.removeValue(forKey: id) == nil ? 0 : 1) }
        }
    }

    // MARK: Webhooks and downloads

    func recordWebhookSent() { locked { $0.webhooksSent += 1 } }
    func recordWebhookFailed() { locked { $0.webhooksFailed += 1 } }
    func recordWebhookNotDelivered() { locked { $0.webhooksNotDelivered += 1 } }
    func recordResultDownload() { locked { $0.resultDownloads += 1 } }

    // MARK: Ledger

    func ledger() -> SimulatorLedger {
        let now = ContinuousClock.now
        return locked { storage in
            var costs: [String: Int] = [:]
            var states: [String: String] = [:]
            for (id, job) in storage.jobs {
                costs[id] = job.cost
                states[id] = job.status(at: now)
            }
            return SimulatorLedger(
                requests: storage.requests, maxInFlight: storage.maxInFlight,
                submissionsByURL: storage.submissionsByURL, costByRequestID: costs,
                stateByRequestID: states, webhooksSent: storage.webhooksSent,
                webhooksFailed: storage.webhooksFailed, webhooksNotDelivered: storage.webhooksNotDelivered,
                totalRequests: storage.totalRequests, resultDownloads: storage.resultDownloads,
                busiestSecond: storage.busiestSecond)
        }
    }
}
