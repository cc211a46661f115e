import GRDB

extension SQLiteJobStore {
    /// Cost totals grouped by mode, batch, UTC day of submission, or state. Sums are SQLite
    /// integer sums: exact. Unsubmitted jobs have no day and group under `unsubmitted`.
    public func costReport(by grouping: ReportGrouping, filter: ReportFilter = ReportFilter()) async throws(StoreError)
        -> CostReport
    {
        try await read { db in
            // A run's scope is read job by job; anything else from the totals where the store has them.
            let fromTotals = try filter.runID == nil && JobTotals.exist(db)
            let rows = try Row.fetchAll(
                db, sql: Self.reportSQL(by: grouping, filter: filter, fromTotals: fromTotals),
                arguments: filter.conditions(day: Self.reportDay(fromTotals: fromTotals)).arguments)
            // Duplicate charges count in their job's group; read from the (few) duplicate
            // attempts, each joined to its job.
            let day = Self.reportDay(fromTotals: false)
            let (conditions, arguments) = filter.conditions(day: day)
            let join = grouping == .batch ? "JOIN batches b ON b.id = j.batch_id" : ""
            let key = Self.reportKey(grouping, day: day)
            let duplicates = try Dictionary(
                Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(key) AS key, sum(a.cost) AS cost
                        FROM job_attempts a JOIN jobs j ON j.id = a.job_id \(join)
                        WHERE a.reason = 'duplicate' AND a.cost IS NOT NULL\(conditions.map { " AND " + $0 }.joined())
                        GROUP BY 1
                        """, arguments: arguments
                ).map { ($0["key"] as String, $0["cost"] as Int64) }, uniquingKeysWith: +)
            return CostReport(
                grouping: grouping,
                groups: rows.map { row in
                    let duplicate = duplicates[row["key"] as String] ?? 0
                    return ReportGroup(
                        key: row["key"], jobs: row["jobs"], completed: row["completed"], failed: row["failed"],
                        costs: CostTotals(
                            total: row["cost"] + duplicate, completed: row["completed_cost"], failed: row["failed_cost"],
                            duplicate: duplicate))
                })
        }
    }

    /// A job's UTC day of submission in the report's queries (NULL while unsubmitted).
    private static func reportDay(fromTotals: Bool) -> String {
        fromTotals ? "nullif(j.day, '')" : "substr(j.submitted_at, 1, 10)"
    }

    private static func reportKey(_ grouping: ReportGrouping, day: String) -> String {
        switch grouping {
        case .mode: "j.mode"
        case .state: "j.state"
        case .day: "coalesce(\(day), 'unsubmitted')"
        case .batch: "b.name"
        }
    }

    /// The report's groups: summed from `job_totals` (`j` a group of jobs), or counted over
    /// `jobs` (`j` a job). Both give the same rows (StoreConformanceReportTests).
    private static func reportSQL(by grouping: ReportGrouping, filter: ReportFilter, fromTotals: Bool) -> String {
        let day = reportDay(fromTotals: fromTotals)
        let conditions = filter.conditions(day: day).conditions
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let join = grouping == .batch ? "JOIN batches b ON b.id = j.batch_id" : ""
        let (table, jobs, cost) = fromTotals ? ("job_totals", "j.jobs", "j.cost") : ("jobs", "1", "coalesce(j.cost, 0)")
        return """
            SELECT \(reportKey(grouping, day: day)) AS key,
                   sum(\(jobs)) AS jobs,
                   sum(CASE WHEN j.state = 'COMPLETED' THEN \(jobs) ELSE 0 END) AS completed,
                   sum(CASE WHEN j.state = 'FAILED' THEN \(jobs) ELSE 0 END) AS failed,
                   sum(\(cost)) AS cost,
                   sum(CASE WHEN j.state = 'COMPLETED' THEN \(cost) ELSE 0 END) AS completed_cost,
                   sum(CASE WHEN j.state = 'FAILED' THEN \(cost) ELSE 0 END) AS failed_cost
            FROM \(table) j \(join) \(whereClause)
            GROUP BY 1 HAVING sum(\(jobs)) > 0 ORDER BY 1
            """
    }
}
