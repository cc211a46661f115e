import GRDB

extension SQLiteJobStore {
    /// Cost totals grouped by mode, batch, UTC day of submission, or state. Sums are SQLite
    /// integer sums: exact. Unsubmitted jobs have no day and group under `unsubmitted`.
    public func costReport(by grouping: ReportGrouping, filter: ReportFilter = ReportFilter()) async throws(StoreError)
        -> CostReport
    {
        try await read { db in
            let source = try ReportSource.of(filter, db)
            let sourceJobs = filter.sql(day: source.day)
            let rows = try Row.fetchAll(
                db, sql: Self.reportSQL(by: grouping, from: source, filter: sourceJobs), arguments: sourceJobs.arguments)
            // Duplicate charges count in their job's group; read from the (few) duplicate
            // attempts, each joined to its job.
            let day = ReportSource.jobs.day
            let jobs = filter.sql(day: day)
            let join = grouping == .batch ? "JOIN batches b ON b.id = j.batch_id" : ""
            let key = Self.reportKey(grouping, day: day)
            let duplicates = try Dictionary(
                Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(key) AS key, sum(a.cost) AS cost
                        FROM job_attempts a JOIN jobs j ON j.id = a.job_id \(jobs.join) \(join)
                        WHERE a.reason = 'duplicate' AND a.cost IS NOT NULL\(jobs.andConditions)
                        GROUP BY 1
                        """, arguments: jobs.arguments
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

    private static func reportKey(_ grouping: ReportGrouping, day: String) -> String {
        switch grouping {
        case .mode: "j.mode"
        case .state: "j.state"
        case .day: "coalesce(\(day), 'unsubmitted')"
        case .batch: "b.name"
        }
    }

    /// The report's groups, from `source` narrowed by `filter` (on `j`). A group whose jobs all
    /// moved on (retried, say) is left at zero in the totals: not a group of its own.
    private static func reportSQL(by grouping: ReportGrouping, from source: ReportSource, filter: JobsFilterSQL) -> String {
        let join = grouping == .batch ? "JOIN batches b ON b.id = j.batch_id" : ""
        let (jobs, cost) = (source.jobs, source.cost)
        return """
            SELECT \(reportKey(grouping, day: source.day)) AS key,
                   sum(\(jobs)) AS jobs,
                   sum(CASE WHEN j.state = 'COMPLETED' THEN \(jobs) ELSE 0 END) AS completed,
                   sum(CASE WHEN j.state = 'FAILED' THEN \(jobs) ELSE 0 END) AS failed,
                   sum(\(cost)) AS cost,
                   sum(CASE WHEN j.state = 'COMPLETED' THEN \(cost) ELSE 0 END) AS completed_cost,
                   sum(CASE WHEN j.state = 'FAILED' THEN \(cost) ELSE 0 END) AS failed_cost
            FROM \(source.table) j \(filter.join) \(join) \(filter.whereClause)
            GROUP BY 1 HAVING sum(\(jobs)) > 0 ORDER BY 1
            """
    }
}
