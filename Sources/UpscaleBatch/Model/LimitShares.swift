/// How store-wide limits are spread over the live runners (cli.md, "Several runners on one
/// store"): each runner says what it could use now (its demand: its own cap while it has work
/// to start, about what it has in flight when it has not), and a fair share is computed by
/// water-filling, so a runner that needs less than an equal part leaves the rest to the others
/// and no runner with work starves.
///
/// A share is not a grant: what a runner may use is its fair share within what the others
/// hold now (`grant`), because the others give back what they no longer may use only at their
/// own next heartbeat. So the sum of what the runners hold never passes the limit: a runner
/// that joins starts small and grows as the others shrink, one heartbeat later.
public enum LimitShares {
    /// Each runner's fair part of `limit`, by water-filling over `demands` (runner id to
    /// demand), in id order for what cannot be split evenly (the first get one more).
    public static func fair(limit: Int, demands: [String: Int]) -> [String: Int] {
        let filled = waterFill(limit: limit, demands: demands) { $0 / $1 }
        var (shares, left) = (filled.shares, filled.left)
        for id in filled.open where left > 0 {
            shares[id, default: 0] += 1
            left -= 1
        }
        return shares
    }

    /// The same for a rate (requests per second), split without remainder.
    public static func fair(limit: Double, demands: [String: Double]) -> [String: Double] {
        waterFill(limit: limit, demands: demands) { $0 / Double($1) }.shares
    }

    /// Water-filling: while some runners want less than an even part of what is left, they get
    /// what they want; the others then split the rest evenly (`evenPart`). Returns the shares,
    /// what is left undivided (an integer split's remainder) and the runners still wanting more.
    private static func waterFill<Value: Numeric & Comparable>(
        limit: Value, demands: [String: Value], evenPart: (Value, Int) -> Value
    ) -> (shares: [String: Value], left: Value, open: [String]) {
        var shares = demands.mapValues { _ in Value.zero }
        var left = max(.zero, limit)
        var open = demands.keys.sorted().filter { demands[$0, default: .zero] > .zero }
        while !open.isEmpty {
            let even = evenPart(left, open.count)
            guard even > .zero else { break }
            let satisfied = open.filter { demands[$0, default: .zero] - shares[$0, default: .zero] <= even }
            if satisfied.isEmpty {
                for id in open {
                    shares[id, default: .zero] += even
                    left -= even
                }
                break
            }
            for id in satisfied {
                left -= demands[id, default: .zero] - shares[id, default: .zero]
                shares[id] = demands[id]
            }
            open.removeAll { satisfied.contains($0) }
        }
        return (shares, left, open)
    }

    /// What a runner may hold: its fair share, within what the others hold now.
    public static func grant(fair: Int, limit: Int, heldByOthers: Int) -> Int {
        max(0, min(fair, limit - heldByOthers))
    }

    public static func grant(fair: Double, limit: Double, heldByOthers: Double) -> Double {
        max(0, min(fair, limit - heldByOthers))
    }
}

/// What a runner could use now, told to the store at each heartbeat (`LimitShares`).
public struct RunnerDemand: Sendable, Equatable {
    /// Requests in flight it could keep.
    public var concurrency: Int
    /// Requests per second it could start; nil: as many as it is given.
    public var rate: Double?

    public init(concurrency: Int, rate: Double?) {
        self.concurrency = concurrency
        self.rate = rate
    }
}

/// What a runner may use until its next heartbeat: its part of the store-wide limits; nil
/// where the store sets none (the run's own limits alone apply).
public struct LimitGrant: Sendable, Equatable {
    public var concurrency: Int?
    public var rate: Double?

    public init(concurrency: Int? = nil, rate: Double? = nil) {
        self.concurrency = concurrency
        self.rate = rate
    }
}
