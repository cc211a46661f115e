/// The gate every request of one client passes before it is sent, so that a signal seen by
/// one request (a 429, an outage) pauses all of them, not only the one that got it.
///
/// - Rate limit: a 429 closes the gate until its Retry-After; requests arriving meanwhile are
///   told to wait until then (`Admission.wait`).
/// - Outage: when transient failures persist (`consecutiveFailures` reaches the threshold, or
///   the caller reports that the retry budget ran out), the gate queues every request and lets
///   exactly one through at a time as a probe, with capped exponential backoff between probes.
///   Any answer from the server ends the outage and releases the queue. Requests waiting here
///   are not charged attempts, so an outage makes no job fail.
///
/// A value type driven by explicit timestamps (seconds on a monotonic clock) and returning
/// what to do, so its rules are tested without timers; the client keeps it in its lock and
/// performs the returned actions (scheduling on an event loop, never sleeping a thread).
public struct PauseGate<Waiter: Sendable>: Sendable {
    /// What a request arriving at the gate must do.
    public enum Admission: Sendable, Equatable {
        /// Go now.
        case proceed
        /// Go now as the outage's probe; report its outcome with `probe: true`.
        case proceedAsProbe
        /// Come back at this time (a rate-limit pause).
        case wait(until: Double)
        /// Queued during an outage; `pump` hands it out later.
        case queued
    }

    /// What the caller must do after `pump`.
    public enum PumpAction: Sendable {
        case none
        /// Send this request now as the probe.
        case launch(Waiter)
        /// Call `pump(now:timerFired: true)` at this time.
        case scheduleTimer(at: Double)
    }

    private struct Outage: Sendable {
        var probeInFlight = false
        var failedProbes = 0
        var nextProbeAt: Double
    }

    public let policy: RetryPolicy
    public private(set) var rateLimitedUntil: Double = 0
    public private(set) var consecutiveFailures = 0
    private var outage: Outage?
    private var waiters: [Waiter] = []
    private var timerAt: Double?

    public init(policy: RetryPolicy) {
        self.policy = policy
    }

    public var isInOutage: Bool { outage != nil }

    public func isPaused(now: Double) -> Bool { outage != nil || now < rateLimitedUntil }

    /// A request wants to go out.
    public mutating func admit(_ waiter: Waiter, now: Double) -> Admission {
        if var current = outage {
            if !current.probeInFlight, waiters.isEmpty, now >= current.nextProbeAt {
                current.probeInFlight = true
                outage = current
                return .proceedAsProbe
            }
            waiters.append(waiter)
            return .queued
        }
        if now < rateLimitedUntil { return .wait(until: rateLimitedUntil) }
        return .proceed
    }

    /// The server answered (anything but a 5xx or a transport failure): resets the failure
    /// streak and ends an outage. Returns the queued requests to send again.
    public mutating func recordAnswer() -> [Waiter] {
        consecutiveFailures = 0
        return endOutage()
    }

    /// A 429: closes the gate for `pause` seconds (never shortening a longer pause already set).
    /// Returns whether this started a new pause, and the queued requests released by ending an
    /// outage (they will meet the rate-limit pause when they come back).
    public mutating func recordRateLimit(pause: Double, now: Double) -> (newPause: Bool, released: [Waiter]) {
        let newPause = now >= rateLimitedUntil
        rateLimitedUntil = max(rateLimitedUntil, now + max(0, pause))
        consecutiveFailures = 0
        return (newPause, endOutage())
    }

    /// A transient failure (5xx, transport failure). Returns whether the client is in an
    /// outage afterwards (the caller then parks the request with `park`, uncharged) and
    /// whether this failure started it (the streak reached the policy's threshold).
    public mutating func recordTransientFailure(probe: Bool, now: Double) -> (inOutage: Bool, started: Bool) {
        consecutiveFailures += 1
        if var current = outage {
            if probe {
                current.probeInFlight = false
                current.failedProbes += 1
                var random = SystemRandomNumberGenerator()
                current.nextProbeAt = now + policy.probeDelay(failedProbes: current.failedProbes, using: &random)
                outage = current
            }
            return (true, false)
        }
        guard let threshold = policy.outageAfterConsecutiveFailures, consecutiveFailures >= threshold else {
            return (false, false)
        }
        return (enterOutage(now: now), true)
    }

    /// Starts an outage now (the retry budget ran out). False when outage probing is disabled
    /// by the policy; true when the client is in an outage afterwards.
    @discardableResult
    public mutating func enterOutage(now: Double) -> Bool {
        guard policy.outageAfterConsecutiveFailures != nil else { return false }
        guard outage == nil else { return true }
        var random = SystemRandomNumberGenerator()
        outage = Outage(nextProbeAt: now + policy.probeDelay(failedProbes: 0, using: &random))
        return true
    }

    /// Queues a request during an outage. A failed probe goes back to the front, so the
    /// oldest request keeps its place.
    public mutating func park(_ waiter: Waiter, atFront: Bool) {
        if atFront { waiters.insert(waiter, at: 0) } else { waiters.append(waiter) }
    }

    /// Hands out the next probe when one is due, or says when to look again.
    public mutating func pump(now: Double, timerFired: Bool = false) -> PumpAction {
        if timerFired { timerAt = nil }
        guard var current = outage, !current.probeInFlight, !waiters.isEmpty else { return .none }
        if now >= current.nextProbeAt {
            current.probeInFlight = true
            outage = current
            return .launch(waiters.removeFirst())
        }
        if let timerAt, timerAt <= current.nextProbeAt { return .none }
        timerAt = current.nextProbeAt
        return .scheduleTimer(at: current.nextProbeAt)
    }

    /// Empties the queue (for cancellation); the caller completes them.
    public mutating func removeAllWaiters() -> [Waiter] {
        defer { waiters.removeAll() }
        return waiters
    }

    private mutating func endOutage() -> [Waiter] {
        guard outage != nil else { return [] }
        outage = nil
        timerAt = nil
        defer { waiters.removeAll() }
        return waiters
    }
}
