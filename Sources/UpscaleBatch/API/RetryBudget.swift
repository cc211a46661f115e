/// A token bucket shared by every request of one client, so an outage cannot turn into a
/// retry storm: retries may use about `ratio` of recent successful requests, plus a small
/// floor that refills with time so a quiet client can still retry.
///
/// A value type driven by explicit timestamps (seconds on any monotonic clock), so it is
/// tested without sleeping; the client keeps it inside its lock.
public struct RetryBudget: Sendable, Equatable {
    /// The bucket's shape.
    public struct Parameters: Sendable, Equatable {
        /// Tokens added per successful request (0.2: retries stay within ~20% of successes).
        public var ratio: Double = 0.2
        /// Tokens at start, and the level the time-based refill climbs back to.
        public var floor: Double = 10
        /// Tokens added per second by the time-based refill, up to `floor`.
        public var floorRefillPerSecond: Double = 1
        /// Most tokens the bucket holds (how much good history counts).
        public var capacity: Double = 100

        public init() {}

        public init(ratio: Double, floor: Double, floorRefillPerSecond: Double, capacity: Double) {
            self.ratio = ratio
            self.floor = floor
            self.floorRefillPerSecond = floorRefillPerSecond
            self.capacity = capacity
        }
    }

    public let parameters: Parameters
    public private(set) var tokens: Double
    private var refilledAt: Double

    public init(_ parameters: Parameters = .init(), now: Double) {
        self.parameters = parameters
        self.tokens = min(parameters.floor, parameters.capacity)
        self.refilledAt = now
    }

    /// A request succeeded: deposit `ratio` tokens.
    public mutating func recordSuccess(now: Double) {
        refill(now: now)
        tokens = min(parameters.capacity, tokens + parameters.ratio)
    }

    /// Asks for one retry; true (and one token spent) when the budget allows it.
    public mutating func withdraw(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    private mutating func refill(now: Double) {
        let elapsed = max(0, now - refilledAt)
        refilledAt = now
        let ceiling = min(parameters.floor, parameters.capacity)
        if tokens < ceiling {
            tokens = min(ceiling, tokens + elapsed * parameters.floorRefillPerSecond)
        }
    }
}
