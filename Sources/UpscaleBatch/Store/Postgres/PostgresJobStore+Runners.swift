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

    public func renewRun(runID: String, inFlight: Int) async throws(StoreError) -> RunRenewal {
        let now = StoreClock.millis()
        return try await write(durable: false) { [self] connection in
            let registered =
                !(try await rows(
                    """
                    UPDATE runs SET last_seen = clock_timestamp(), in_flight = \(Int64(inFlight))
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
            let live = try await rows(
                "SELECT id FROM runs r WHERE \(unescaped: PGSQL.runIsLive("r"))", on: connection
            ).map { try $0.decode(String.self) }
            return RunRenewal(registered: registered, liveRunners: Set(live))
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
