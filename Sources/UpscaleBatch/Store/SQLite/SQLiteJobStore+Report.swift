import GRDB

extension SQLiteJobStore {
    /// Cost totals grouped by mode, batch, UTC day of submission, or state. Sums are SQLite
    /// integer sums: exact. Unsubmitted jobs have no day and group under `unsubmitted`.
    public func costReport(by grouping: ReportGrouping, filter: ReportFilter = ReportFilter()) async throws(StoreError)
        -> CostReport
    {
        try await read { db in
            let day = "substr(j.submitted_at, 1, 10)"
            let key: String
            var join = ""
            switch grouping {
            case .mode: key = "j.mode"
            case .state: key = "j.state"
            case .day: key = "coalesce(\(day), 'unsubmitted')"
            case .batch:
                key = "b.name"
                join = "JOIN batches b ON b.id = j.batch_id"
            }
            let (conditions, arguments) = filter.conditions(day: day)
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(key) AS key,
                           count(*) AS jobs,
                           sum(j.state = 'COMPLETED') AS completed,
                           sum(j.state = 'FAILED') AS failed,
                           coalesce(sum(j.cost), 0) AS cost,
                           coalesce(sum(CASE WHEN j.state = 'COMPLETED' THEN j.cost END), 0) AS completed_cost,
                           coalesce(sum(CASE WHEN j.state = 'FAILED' THEN j.cost END), 0) AS failed_cost
                    FROM jobs j \(join) \(whereClause)
                    GROUP BY 1 ORDER BY 1
                    """, arguments: arguments)
            // Duplicate charges count in their job's group; read from the (few) duplicate attempts.
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
}
