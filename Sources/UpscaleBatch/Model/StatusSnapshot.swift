/// The store at a glance: jobs per state, in flight, unsubmitted, and the cost figures.
public struct StatusSnapshot: Sendable, Equatable {
    public var counts: [JobState: Int]
    public var inFlight: Int
    public var unsubmitted: Int
    public var possibleDuplicates: Int
    public var costs: CostTotals

    public init(counts: [JobState: Int], inFlight: Int, unsubmitted: Int, possibleDuplicates: Int, costs: CostTotals) {
        self.counts = counts
        self.inFlight = inFlight
        self.unsubmitted = unsubmitted
        self.possibleDuplicates = possibleDuplicates
        self.costs = costs
    }

    /// Adds one state's figures, as both engines read them (one row per state): its jobs, those
    /// in flight, unsubmitted and flagged, its cost and its duplicate charges.
    mutating func add(
        _ state: JobState, jobs: Int, inFlight: Int, unsubmitted: Int, possibleDuplicates: Int, cost: Int64,
        duplicateCost: Int64
    ) {
        counts[state] = jobs
        self.inFlight += inFlight
        self.unsubmitted += unsubmitted
        self.possibleDuplicates += possibleDuplicates
        costs.total += cost + duplicateCost
        costs.duplicate += duplicateCost
        if state == .completed { costs.completed += cost }
        if state == .failed { costs.failed += cost }
    }

    public var total: Int { counts.values.reduce(0, +) }
    public var final: Int { (counts[.completed] ?? 0) + (counts[.failed] ?? 0) }
}
