import GRDB

extension SQLiteJobStore {
    /// The expected cost of the unsubmitted jobs (PENDING, no request id) of `batch` (nil: the
    /// whole store), per mode, from the average cost this store has seen per mode: every job
    /// with a cost in any state, plus earlier attempts kept in `job_attempts` (an attempt whose
    /// request id is the job's current one is not counted twice). History is store-wide even
    /// when `batch` is given: a new batch is estimated from earlier ones. One read transaction,
    /// so both halves see the same snapshot. See `ModeEstimate` for the rounding.
    ///
    /// Per mode: `pending`, `knownJobs`, `averageCost` and `expectedCost` (nil without history).
    public func costEstimate(batch: String? = nil) async throws(StoreError) -> CostEstimate {
        try await read { db in
            var pendingSQL = "SELECT mode, count(*) AS n FROM jobs WHERE state = 'PENDING' AND request_id IS NULL"
            var arguments: StatementArguments = []
            if let batch {
                pendingSQL += " AND batch_id = \(StoreSQL.batchNamed)"
                arguments = [batch]
            }
            pendingSQL += " GROUP BY mode"
            var pending: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: pendingSQL, arguments: arguments) { pending[row["mode"]] = row["n"] }

            var history: [String: (jobs: Int, cost: Int64)] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT mode, count(*) AS n, sum(cost) AS total FROM (
                        SELECT mode, cost FROM jobs WHERE cost IS NOT NULL
                        UNION ALL
                        SELECT j.mode, a.cost FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                        WHERE a.cost IS NOT NULL AND a.request_id IS NOT j.request_id
                    ) GROUP BY mode
                    """)
            for row in rows { history[row["mode"]] = (row["n"], row["total"]) }

            return CostEstimate(
                modes: Mode.allCases.map { mode in
                    let seen = history[mode.rawValue] ?? (0, 0)
                    return ModeEstimate(
                        mode: mode, pending: pending[mode.rawValue] ?? 0, knownJobs: seen.jobs, knownCost: seen.cost)
                })
        }
    }
}
