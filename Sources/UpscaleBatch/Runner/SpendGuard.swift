/// `run --max-spend`: stops submitting before this run's spend could pass the cap.
///
/// Spend counts every cost the API quoted for jobs this run submitted, plus the expected cost of
/// each job submitted but not yet quoted, plus that of the job about to go. Expected costs are
/// the average cost per mode (the store's history, then this run's quotes). With no history for
/// a mode, one job of that mode is submitted alone and its quote awaited before any other of
/// that mode goes out, so the cap is never passed by more than one job's cost.
struct SpendGuard: Sendable {
    let cap: Int64
    private(set) var quoted: Int64 = 0
    /// Jobs submitted by this run whose cost is not known yet, with their mode.
    private var unquoted: [Int64: Mode] = [:]
    /// Cost sum and count per mode, for the running average.
    private var history: [Mode: RunConfiguration.CostHistory]

    init(cap: Int64, history: [Mode: RunConfiguration.CostHistory]) {
        self.cap = cap
        self.history = history
    }

    enum Decision: Equatable {
        case submit
        /// No cost known for this mode yet and its first job is out: wait for its quote.
        case waitForQuote
        /// Submitting would risk passing the cap.
        case capReached
    }

    /// The expected cost of one job of `mode`: the average so far, rounded up (never under).
    func expectedCost(_ mode: Mode) -> Int64? {
        guard let entry = history[mode], entry.count > 0 else { return nil }
        return (entry.total + entry.count - 1) / entry.count
    }

    /// What spend would be if one more job of `mode` went out now.
    func decide(_ mode: Mode) -> Decision {
        guard let next = expectedCost(mode) else {
            return unquoted.values.contains(mode) ? .waitForQuote : (quoted < cap ? .submit : .capReached)
        }
        var expected: Int64 = 0
        for pending in unquoted.values {
            expected += expectedCost(pending) ?? next
        }
        return quoted + expected + next <= cap ? .submit : .capReached
    }

    mutating func submitted(job: Int64, mode: Mode) { unquoted[job] = mode }

    /// A job went out but the API did not take it: nothing will be quoted.
    mutating func withdrawn(job: Int64) { unquoted[job] = nil }

    /// A status answer quoted `cost` for `job`; counted once per job.
    mutating func quoted(job: Int64, cost: Int64) {
        guard let mode = unquoted.removeValue(forKey: job) else { return }
        quoted += cost
        let entry = history[mode] ?? RunConfiguration.CostHistory(total: 0, count: 0)
        history[mode] = RunConfiguration.CostHistory(total: entry.total + cost, count: entry.count + 1)
    }
}
