/// The expected cost of one mode's unsubmitted jobs, from the costs this store has seen.
///
/// Rounding: the exact mean is `knownCost / knownJobs`; `averageCost` is that mean rounded
/// half up to whole credits, and `expectedCost` is `pending × knownCost / knownJobs` rounded
/// half up ONCE at the end (not `pending × averageCost`), so it never drifts by a rounding
/// error per job. Both are nil when the mode has no history (`knownJobs == 0`).
public struct ModeEstimate: Sendable, Equatable {
    public var mode: Mode
    /// Unsubmitted jobs (PENDING, no request id) in scope.
    public var pending: Int
    /// Costs seen for this mode in the whole store: jobs with a cost in any state, plus earlier
    /// attempts in `job_attempts` (each quoted cost counted once).
    public var knownJobs: Int
    /// The sum of those costs (credits).
    public var knownCost: Int64
    public var averageCost: Int64?
    public var expectedCost: Int64?

    public init(mode: Mode, pending: Int, knownJobs: Int, knownCost: Int64) {
        self.mode = mode
        self.pending = pending
        self.knownJobs = knownJobs
        self.knownCost = knownCost
        if knownJobs > 0 {
            averageCost = Self.roundedQuotient(knownCost, Int64(knownJobs))
            let (product, overflow) = Int64(pending).multipliedReportingOverflow(by: knownCost)
            if overflow {
                // Beyond Int64 only for absurd inputs: fall back to floating point, saturated.
                let value = (Double(pending) * Double(knownCost) / Double(knownJobs)).rounded()
                expectedCost = value >= 9.2e18 ? Int64.max : value <= -9.2e18 ? Int64.min : Int64(value)
            } else {
                expectedCost = Self.roundedQuotient(product, Int64(knownJobs))
            }
        }
    }

    /// True when the mode has pending jobs and nothing to estimate them from.
    public var lacksHistory: Bool { knownJobs == 0 }

    /// `numerator / denominator` rounded half away from zero, in integers (denominator > 0).
    static func roundedQuotient(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        guard remainder.magnitude * 2 >= denominator.magnitude else { return quotient }
        return numerator < 0 ? quotient - 1 : quotient + 1
    }
}
