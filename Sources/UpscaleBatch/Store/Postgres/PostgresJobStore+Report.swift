import Foundation
import PostgresNIO

/// The cost report, the chart's daily costs, the estimate and the metrics' figures: the SQLite
/// engine's queries (`SQLiteJobStore+Report` and its neighbours), with PostgreSQL's sums cast
/// back to bigint (a sum of bigint is numeric there).
extension PostgresJobStore {
    static let day = "substr(j.submitted_at, 1, 10)"

    public func costReport(by grouping: ReportGrouping, filter: ReportFilter) async throws(StoreError) -> CostReport {
        let key: String
        let join: String
        switch grouping {
        case .mode: (key, join) = ("j.mode", "")
        case .state: (key, join) = ("j.state", "")
        case .day: (key, join) = ("coalesce(\(Self.day), 'unsubmitted')", "")
        case .batch: (key, join) = ("b.name", "JOIN batches b ON b.id = j.batch_id")
        }
        return try await readSnapshot { [self] connection in
            var duplicates: [String: Int64] = [:]
            for row in try await rows(
                """
                SELECT \(unescaped: key), sum(a.cost)::bigint
                FROM job_attempts a JOIN jobs j ON j.id = a.job_id \(unescaped: join)
                WHERE a.reason = 'duplicate' AND a.cost IS NOT NULL AND \(filter: filter, day: Self.day)
                GROUP BY 1
                """, on: connection)
            {
                let (group, cost) = try row.decode((String, Int64).self)
                duplicates[group, default: 0] += cost
            }
            let groups = try await rows(
                """
                SELECT \(unescaped: key), count(*),
                       count(*) FILTER (WHERE j.state = 'COMPLETED'),
                       count(*) FILTER (WHERE j.state = 'FAILED'),
                       coalesce(sum(j.cost), 0)::bigint,
                       coalesce(sum(j.cost) FILTER (WHERE j.state = 'COMPLETED'), 0)::bigint,
                       coalesce(sum(j.cost) FILTER (WHERE j.state = 'FAILED'), 0)::bigint
                FROM jobs j \(unescaped: join) WHERE \(filter: filter, day: Self.day)
                GROUP BY 1 ORDER BY \(unescaped: key) COLLATE "C"
                """, on: connection
            ).map { row in
                let (group, jobs, completed, failed, cost, completedCost, failedCost) = try row.decode(
                    (String, Int, Int, Int, Int64, Int64, Int64).self)
                let duplicate = duplicates[group] ?? 0
                return ReportGroup(
                    key: group, jobs: jobs, completed: completed, failed: failed,
                    costs: CostTotals(total: cost + duplicate, completed: completedCost, failed: failedCost, duplicate: duplicate)
                )
            }
            return CostReport(grouping: grouping, groups: groups)
        }
    }

    public func dailyCosts(filter: ReportFilter) async throws(StoreError) -> [DailyModeCost] {
        try await read { [self] connection in
            try await rows(
                """
                SELECT \(unescaped: Self.day), j.mode,
                       coalesce(sum(j.cost) FILTER (WHERE j.state = 'COMPLETED'), 0)::bigint,
                       coalesce(sum(j.cost) FILTER (WHERE j.state = 'FAILED'), 0)::bigint
                FROM jobs j WHERE j.submitted_at IS NOT NULL AND \(filter: filter, day: Self.day)
                GROUP BY 1, 2 ORDER BY \(unescaped: Self.day) COLLATE "C", j.mode COLLATE "C"
                """, on: connection
            ).map { row in
                let (day, mode, completed, failed) = try row.decode((String, String, Int64, Int64).self)
                return DailyModeCost(day: day, mode: mode, completed: completed, failed: failed)
            }
        }
    }

    public func costEstimate(batch: String?) async throws(StoreError) -> CostEstimate {
        try await readSnapshot { [self] connection in
            var pending: [String: Int] = [:]
            for row in try await rows(
                """
                SELECT mode, count(*) FROM jobs
                WHERE state = 'PENDING' AND request_id IS NULL AND \(batch: batch, column: "batch_id")
                GROUP BY mode
                """, on: connection)
            {
                let (mode, count) = try row.decode((String, Int).self)
                pending[mode] = count
            }
            var history: [String: (jobs: Int, cost: Int64)] = [:]
            for row in try await rows(
                """
                SELECT mode, count(*), sum(cost)::bigint FROM (
                    SELECT mode, cost FROM jobs WHERE cost IS NOT NULL
                    UNION ALL
                    SELECT j.mode, a.cost FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                    WHERE a.cost IS NOT NULL AND a.request_id IS DISTINCT FROM j.request_id
                ) seen GROUP BY mode
                """, on: connection)
            {
                let (mode, count, total) = try row.decode((String, Int, Int64).self)
                history[mode] = (count, total)
            }
            return CostEstimate(
                modes: Mode.allCases.map { mode in
                    let seen = history[mode.rawValue] ?? (0, 0)
                    return ModeEstimate(
                        mode: mode, pending: pending[mode.rawValue] ?? 0, knownJobs: seen.jobs, knownCost: seen.cost)
                })
        }
    }

    public func metricsSnapshot(now: Date) async throws(StoreError) -> StoreMetricsSnapshot {
        try await readSnapshot { [self] connection in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try await rows("SELECT state, count(*) FROM jobs GROUP BY state", on: connection) {
                let (state, count) = try row.decode((String, Int).self)
                counts[try decode(JobState.self, state, column: "state")] = count
            }
            let oldest = try await rows(
                """
                SELECT min(created_at) FROM jobs WHERE id IN (
                    SELECT min(id) FROM jobs WHERE state = 'PENDING'
                    UNION ALL SELECT min(id) FROM jobs WHERE state = 'IN_QUEUE'
                    UNION ALL SELECT min(id) FROM jobs WHERE state = 'IN_PROGRESS')
                """, on: connection
            ).first?.decode(String?.self)
            let lastSuccess = try await rows("SELECT value FROM meta WHERE key = 'last_success_at'", on: connection).first?
                .decode(String.self)
            return StoreMetricsSnapshot(
                counts: counts,
                oldestUnfinishedAge: oldest.flatMap(UTCTime.parse).map { max(0, now.timeIntervalSince($0)) },
                runnersAlive: 0,
                lastSuccess: lastSuccess.flatMap(UTCTime.parse).map(\.timeIntervalSince1970))
        }
    }

    public func recordRunSucceeded(at date: Date) async throws(StoreError) {
        let text = UTCTime.milliseconds(date)
        try await write { [self] connection in
            try await execute(
                """
                INSERT INTO meta (key, value) VALUES ('last_success_at', \(text))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, on: connection)
        }
    }

    public func runCredits(runID: String) async throws(StoreError) -> [String: CostTotals] {
        try await read { [self] connection in
            var credits: [String: CostTotals] = [:]
            for row in try await rows(
                """
                SELECT j.mode,
                       coalesce(sum(j.cost) FILTER (WHERE j.state = 'COMPLETED'), 0)::bigint,
                       coalesce(sum(j.cost) FILTER (WHERE j.state = 'FAILED'), 0)::bigint
                FROM run_scope s JOIN jobs j ON j.id = s.job_id
                WHERE s.run_id = \(runID) AND NOT s.cost_only AND j.state IN \(unescaped: PGSQL.finalStates)
                GROUP BY j.mode
                """, on: connection)
            {
                let (mode, completed, failed) = try row.decode((String, Int64, Int64).self)
                credits[mode] = CostTotals(total: completed + failed, completed: completed, failed: failed)
            }
            return credits
        }
    }
}
