import GRDB

extension SQLiteJobStore {
    /// Counts per state and the cost figures, for `status` and the run's progress line.
    /// `runID` narrows it to one run's scope; `batch` to one batch.
    public func statusSnapshot(batch: String? = nil, runID: String? = nil) async throws(StoreError) -> StatusSnapshot {
        try await read { db in
            // The same job filter as the cost report's (on `jobs j`), so both count the same jobs.
            let jobs = ReportFilter(batch: batch, runID: runID).sql(day: "")
            // Duplicate charges, read from the (few) duplicate attempts rather than per job.
            let duplicates = try Dictionary(
                Row.fetchAll(
                    db,
                    sql: """
                        SELECT j.state AS key, sum(a.cost) AS cost
                        FROM job_attempts a JOIN jobs j ON j.id = a.job_id \(jobs.join)
                        WHERE a.reason = 'duplicate' AND a.cost IS NOT NULL\(jobs.andConditions)
                        GROUP BY 1
                        """, arguments: jobs.arguments
                ).map { ($0["key"] as String, $0["cost"] as Int64) }, uniquingKeysWith: +)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT state,
                           count(*) AS jobs,
                           sum(request_id IS NOT NULL AND state NOT IN \(StoreSQL.finalStates)) AS in_flight,
                           sum(request_id IS NULL AND state = 'PENDING') AS unsubmitted,
                           sum(possible_duplicate) AS duplicates,
                           coalesce(sum(cost), 0) AS cost
                    FROM jobs j \(jobs.join) \(jobs.whereClause)
                    GROUP BY state
                    """, arguments: jobs.arguments)
            var snapshot = StatusSnapshot(
                counts: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) }),
                inFlight: 0, unsubmitted: 0, possibleDuplicates: 0, costs: CostTotals())
            for row in rows {
                let state = try UnknownStoredValue.decode(JobState.self, row, "state")
                let cost: Int64 = row["cost"]
                let duplicateCost = duplicates[row["state"] as String] ?? 0
                snapshot.add(
                    state, jobs: row["jobs"], inFlight: row["in_flight"], unsubmitted: row["unsubmitted"],
                    possibleDuplicates: row["duplicates"], cost: cost, duplicateCost: duplicateCost)
            }
            return snapshot
        }
    }

    /// Whether a batch of that name exists (commands refuse unknown `--batch` names).
    public func batchExists(_ name: String) async throws(StoreError) -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM batches WHERE name = ?)", arguments: [name]) ?? false
        }
    }
}
