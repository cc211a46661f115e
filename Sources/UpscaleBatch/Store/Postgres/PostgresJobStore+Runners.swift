import Foundation
import PostgresNIO

/// Runners sharing a PostgreSQL store (cli.md, "Several runners on one store"): each renews its
/// lease by heartbeat, and the heartbeats take over the poll claims of runners whose lease
/// lapsed. Submissions need no sweep: a dead runner's reserved and claimed jobs are free to
/// any live runner's read and claim (`unsubmittedJobs`, `claimSubmissionBatch`) once its lease
/// lapsed, in doubt by the doubt rule where it had claimed them.
extension PostgresJobStore {
    /// The transaction-level advisory lock that lets one heartbeat at a time do the sweeping
    /// ("UpSw"); the others skip it rather than wait.
    static let sweepLockKey: Int64 = 0x5570_5377

    /// The transaction-level advisory lock under which one heartbeat at a time reads what
    /// the others hold of the store-wide limits and takes its part ("UpLm").
    static let limitsLockKey: Int64 = 0x5570_4C6D

    public func renewRun(runID: String, inFlight: Int, demand: RunnerDemand) async throws(StoreError) -> RunRenewal {
        let now = StoreClock.millis()
        let limits = try await limits()
        return try await write(durable: false) { [self] connection in
            let registered =
                !(try await rows(
                    """
                    UPDATE runs SET last_seen = clock_timestamp(), in_flight = \(Int64(inFlight)),
                           demand_slots = \(Int64(demand.concurrency)), demand_rate = \(demand.rate)
                    WHERE id = \(runID) AND ended_at IS NULL RETURNING 1
                    """, on: connection
                ).isEmpty)
            let sweeps =
                try await rows("SELECT pg_try_advisory_xact_lock(\(Self.sweepLockKey))", on: connection)
                .first?.decode(Bool.self) ?? false
            if sweeps {
                // Polls claimed by a runner no longer live: due now, for whoever claims first.
                try await execute(
                    """
                    UPDATE jobs SET polling = false, polling_run = NULL, next_poll_at = LEAST(next_poll_at, \(now))
                    WHERE polling AND polling_run IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM runs r WHERE r.id = jobs.polling_run AND \(unescaped: PGSQL.runIsLive("r")))
                    """, on: connection)
            }
            if registered && (limits.concurrency != nil || limits.rate != nil) {
                _ = try await rows("SELECT pg_advisory_xact_lock(\(Self.limitsLockKey))", on: connection)
            }
            let live = try await rows(
                """
                SELECT id, slots, rate_share, demand_slots, demand_rate FROM runs r
                WHERE \(unescaped: PGSQL.runIsLive("r"))
                """, on: connection
            ).map { row in try row.decode((String, Int64, Double, Int64, Double?).self) }
            var grant = LimitGrant()
            var settling = false
            if registered, let limit = limits.concurrency {
                let fair = LimitShares.fair(
                    limit: limit, demands: Dictionary(uniqueKeysWithValues: live.map { ($0.0, Int($0.3)) }))
                let others = live.filter { $0.0 != runID }.reduce(0) { $0 + Int($1.1) }
                let granted = LimitShares.grant(fair: fair[runID] ?? 0, limit: limit, heldByOthers: others)
                grant.concurrency = granted
                settling = granted < (fair[runID] ?? 0) || inFlight > granted
                try await execute(
                    "UPDATE runs SET slots = \(Int64(max(granted, inFlight))) WHERE id = \(runID)", on: connection)
            }
            if registered, let limit = limits.rate {
                let fair = LimitShares.fair(
                    limit: limit, demands: Dictionary(uniqueKeysWithValues: live.map { ($0.0, $0.4 ?? limit) }))
                let others = live.filter { $0.0 != runID }.reduce(0) { $0 + $1.2 }
                let granted = LimitShares.grant(fair: fair[runID] ?? 0, limit: limit, heldByOthers: others)
                grant.rate = granted
                settling = settling || granted + 1e-9 < (fair[runID] ?? 0)
                try await execute("UPDATE runs SET rate_share = \(granted) WHERE id = \(runID)", on: connection)
            }
            return RunRenewal(
                registered: registered, liveRunners: Set(live.map(\.0)), grant: grant, settling: settling)
        }
    }

    public func liveRunners() async throws(StoreError) -> [RunnerRecord] {
        try await read { [self] connection in
            try await rows(
                """
                SELECT id, host, pid, started_at,
                       coalesce(to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), started_at),
                       in_flight
                FROM runs r WHERE \(unescaped: PGSQL.runIsLive("r")) ORDER BY started_at, id
                """, on: connection
            ).map { row in
                let (id, host, pid, started, seen, inFlight) = try row.decode((String, String, Int64, String, String, Int64).self)
                return RunnerRecord(
                    id: id, host: host, pid: pid, startedAt: started, lastSeen: seen, inFlight: Int(inFlight))
            }
        }
    }

    /// Live or not: a lapsed runner's reserved and claimed jobs keep the run going until a
    /// rescan of its scope has taken them.
    public func unsubmittedHeldByOthers(runID: String) async throws(StoreError) -> Int {
        try await read { [self] connection in
            try await rows(
                """
                SELECT count(*) FROM run_scope s JOIN jobs j ON j.id = s.job_id
                WHERE s.run_id = \(runID) AND NOT s.cost_only AND j.state = 'PENDING' AND j.request_id IS NULL
                  AND j.submitting_run IS NOT NULL AND j.submitting_run <> \(runID)
                """, on: connection
            ).first?.decode(Int.self) ?? 0
        }
    }
}
