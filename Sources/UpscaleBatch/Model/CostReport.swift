/// How `report` groups jobs.
public enum ReportGrouping: String, CaseIterable, Sendable {
    case mode, batch, day, state
}

/// One group of a cost report: counts and exact cost sums (credits).
public struct ReportGroup: Sendable, Equatable {
    public var key: String
    public var jobs: Int
    public var completed: Int
    public var failed: Int
    public var costs: CostTotals

    public init(key: String, jobs: Int, completed: Int, failed: Int, costs: CostTotals) {
        self.key = key
        self.jobs = jobs
        self.completed = completed
        self.failed = failed
        self.costs = costs
    }
}

/// A cost report: its groups, and the totals over all of them.
public struct CostReport: Sendable, Equatable {
    public var grouping: ReportGrouping
    public var groups: [ReportGroup]

    public init(grouping: ReportGrouping, groups: [ReportGroup]) {
        self.grouping = grouping
        self.groups = groups
    }

    public var jobs: Int { groups.reduce(0) { $0 + $1.jobs } }
    public var costs: CostTotals {
        groups.reduce(into: CostTotals()) { sum, group in
            sum.total += group.costs.total
            sum.completed += group.costs.completed
            sum.failed += group.costs.failed
            sum.duplicate += group.costs.duplicate
        }
    }
}

/// Which jobs a report covers. Days are UTC days of submission (`YYYY-MM-DD`), inclusive.
public struct ReportFilter: Sendable, Equatable {
    public var batch: String?
    public var since: String?
    public var until: String?
    /// Only the jobs of one run's scope (the run summary).
    public var runID: String?

    public init(batch: String? = nil, since: String? = nil, until: String? = nil, runID: String? = nil) {
        self.batch = batch
        self.since = since
        self.until = until
        self.runID = runID
    }
}
