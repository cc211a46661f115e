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

    public var total: Int { counts.values.reduce(0, +) }
    public var final: Int { (counts[.completed] ?? 0) + (counts[.failed] ?? 0) }
}
