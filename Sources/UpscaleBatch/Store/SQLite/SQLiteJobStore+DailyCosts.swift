import GRDB

extension SQLiteJobStore {
    /// Cost per UTC day of submission and mode, completed and failed apart, for the cost
    /// page's chart. Unsubmitted jobs have no day and cost nothing: they are left out.
    public func dailyCosts(filter: ReportFilter = ReportFilter()) async throws(StoreError) -> [DailyModeCost] {
        try await read { db in
            let source = try ReportSource.of(filter, db)
            var jobs = filter.sql(day: source.day)
            jobs.conditions.append("\(source.day) IS NOT NULL")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(source.day) AS day, j.mode AS mode,
                           sum(CASE WHEN j.state = 'COMPLETED' THEN \(source.cost) ELSE 0 END) AS completed_cost,
                           sum(CASE WHEN j.state = 'FAILED' THEN \(source.cost) ELSE 0 END) AS failed_cost
                    FROM \(source.table) j \(jobs.join) \(jobs.whereClause)
                    GROUP BY 1, 2 HAVING sum(\(source.jobs)) > 0 ORDER BY 1, 2
                    """, arguments: jobs.arguments
            ).map { row in
                DailyModeCost(day: row["day"], mode: row["mode"], completed: row["completed_cost"], failed: row["failed_cost"])
            }
        }
    }
}
