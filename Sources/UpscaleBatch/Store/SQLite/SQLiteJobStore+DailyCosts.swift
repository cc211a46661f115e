import GRDB

extension SQLiteJobStore {
    /// Cost per UTC day of submission and mode, completed and failed apart, for the cost
    /// page's chart. Unsubmitted jobs have no day and cost nothing: they are left out.
    public func dailyCosts(filter: ReportFilter = ReportFilter()) async throws(StoreError) -> [DailyModeCost] {
        try await read { db in
            // From the totals where the store has them (JobTotals), else job by job.
            let fromTotals = try filter.runID == nil && JobTotals.exist(db)
            let (table, day) = fromTotals ? ("job_totals", "nullif(j.day, '')") : ("jobs", "substr(j.submitted_at, 1, 10)")
            var (conditions, arguments) = filter.conditions(day: day)
            conditions.append("\(day) IS NOT NULL")
            // A group whose jobs all moved on (retried, say) is left at zero: not a day of its own.
            if fromTotals { conditions.append("j.jobs > 0") }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(day) AS day, j.mode AS mode,
                           coalesce(sum(CASE WHEN j.state = 'COMPLETED' THEN j.cost END), 0) AS completed_cost,
                           coalesce(sum(CASE WHEN j.state = 'FAILED' THEN j.cost END), 0) AS failed_cost
                    FROM \(table) j WHERE \(conditions.joined(separator: " AND "))
                    GROUP BY 1, 2 ORDER BY 1, 2
                    """, arguments: arguments
            ).map { row in
                DailyModeCost(day: row["day"], mode: row["mode"], completed: row["completed_cost"], failed: row["failed_cost"])
            }
        }
    }
}
