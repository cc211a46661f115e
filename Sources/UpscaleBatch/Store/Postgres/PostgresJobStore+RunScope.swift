import Foundation
import PostgresNIO

/// A run's scope and progress, as on SQLite (`SQLiteJobStore+RunScope`): the scope is recorded
/// per run in `run_scope`. Several runs may work the store at once (cli.md, "Several runners on
/// one store"): each is registered with its lease, and one whose lease lapsed is no longer live
/// (`PGSQL.runIsLive`), so its claims are taken over; runs of this host whose process is gone,
/// and runs whose lease lapsed an hour ago, are marked ended when a run starts.
extension PostgresJobStore {
    /// How long after its lease lapsed a run is marked ended (its scope dropped): a runner
    /// paused for longer finds itself ended at its next heartbeat and stops.
    static let endLapsedRunsAfter = "interval '1 hour'"

    public func beginRun(_ run: RunIdentity, batch: String?) async throws(StoreError) -> Int {
        let scope = try await recordRun(run, batch: batch)
        if scope >= Self.rowsWorthStatistics { await refreshStatistics("run_scope") }
        return scope
    }

    private func recordRun(_ run: RunIdentity, batch: String?) async throws(StoreError) -> Int {
        let now = StoreClock.millis()
        let store = displayName
        return try await write { [self] connection in
            // `copy-store` holds the lock exclusively for its whole copy: no run begins meanwhile.
            let copying =
                try await rows("SELECT pg_try_advisory_xact_lock_shared(\(Self.runLockKey))", on: connection)
                .first?.decode(Bool.self) == false
            if copying {
                throw StoreError.unavailable(store: store, detail: "copy-store is copying it; run again when it has ended")
            }
            for row in try await rows(
                "SELECT id, pid, process_start FROM runs WHERE ended_at IS NULL AND host = \(run.host) FOR UPDATE",
                on: connection)
            {
                let (id, pid, start) = try row.decode((String, Int64, String?).self)
                let alive =
                    Int32(truncatingIfNeeded: pid) == run.pid && start == run.processStart
                    || RunIdentity.isAlive(pid: Int32(truncatingIfNeeded: pid), start: start)
                if !alive {
                    try await execute("UPDATE runs SET ended_at = \(unescaped: PGSQL.now) WHERE id = \(id)", on: connection)
                }
            }
            try await execute(
                """
                UPDATE runs SET ended_at = \(unescaped: PGSQL.now)
                WHERE ended_at IS NULL AND greatest(last_seen, pg_postmaster_start_time())
                      + lease_ms * interval '1 millisecond' + \(unescaped: Self.endLapsedRunsAfter) < clock_timestamp()
                """, on: connection)
            try await execute(
                "DELETE FROM run_scope WHERE run_id IN (SELECT id FROM runs WHERE ended_at IS NOT NULL)", on: connection)
            try await execute(
                """
                INSERT INTO runs (id, pid, process_start, host, batch, started_at, last_seen, lease_ms)
                VALUES (\(run.runID), \(Int64(run.pid)), \(run.processStart), \(run.host), \(batch), \(unescaped: PGSQL.now),
                        clock_timestamp(), \(run.leaseMillis))
                """, on: connection)
            let scope =
                try await rows(
                    """
                    WITH added AS (
                        INSERT INTO run_scope (run_id, job_id, cost_only)
                        SELECT \(run.runID), id, false FROM jobs
                        WHERE state NOT IN \(unescaped: PGSQL.finalStates) AND \(batch: batch, column: "batch_id")
                        RETURNING 1)
                    SELECT count(*) FROM added
                    """, on: connection
                ).first?.decode(Int.self) ?? 0
            try await execute(
                """
                INSERT INTO run_scope (run_id, job_id, cost_only)
                SELECT \(run.runID), id, true FROM jobs
                WHERE state IN \(unescaped: PGSQL.finalStates) AND request_id IS NOT NULL AND cost IS NULL
                  AND NOT cost_unknown AND \(batch: batch, column: "batch_id")
                """, on: connection)
            // Status calls left in flight by a run that died are owed again now (a live run's
            // stay its own).
            try await execute(
                """
                UPDATE jobs SET polling = false, polling_run = NULL, next_poll_at = LEAST(next_poll_at, \(now))
                WHERE polling AND NOT EXISTS (
                    SELECT 1 FROM runs r WHERE r.id = jobs.polling_run AND \(unescaped: PGSQL.runIsLive("r")))
                """, on: connection)
            try await execute(
                """
                UPDATE jobs SET next_poll_at = \(now)
                WHERE next_poll_at IS NULL AND request_id IS NOT NULL AND NOT cost_unknown
                  AND (state NOT IN \(unescaped: PGSQL.finalStates) OR cost IS NULL) AND \(batch: batch, column: "batch_id")
                """, on: connection)
            return scope
        }
    }

    /// Marks the run ended, and hands back what it held and no longer works: its reserved
    /// submissions (to the other runners) and its poll claims (due at once).
    public func endRun(runID: String) async throws(StoreError) {
        let now = StoreClock.millis()
        try await write { [self] connection in
            try await execute("UPDATE runs SET ended_at = \(unescaped: PGSQL.now) WHERE id = \(runID)", on: connection)
            try await execute(
                """
                UPDATE jobs SET submitting_run = NULL
                WHERE submitting_run = \(runID) AND NOT submitting AND request_id IS NULL
                """, on: connection)
            try await execute(
                """
                UPDATE jobs SET polling = false, polling_run = NULL, next_poll_at = LEAST(next_poll_at, \(now))
                WHERE polling AND polling_run = \(runID)
                """, on: connection)
        }
    }

    public func failTimedOut(runID: String, submittedBefore cutoff: Date, reason: String) async throws(StoreError) -> Int {
        let cutoffText = UTCTime.milliseconds(cutoff)
        return try await write { [self] connection in
            try await rows(
                """
                WITH failed AS (
                    UPDATE jobs SET state = 'FAILED', error = \(reason), finished_at = \(unescaped: PGSQL.now),
                           finished_by = 'timeout',
                           next_poll_at = CASE WHEN cost IS NULL THEN next_poll_at ELSE NULL END,
                           updated_at = \(unescaped: PGSQL.now)
                    WHERE id IN (SELECT job_id FROM run_scope WHERE run_id = \(runID) AND NOT cost_only)
                      AND request_id IS NOT NULL AND state NOT IN \(unescaped: PGSQL.finalStates)
                      AND submitted_at < \(cutoffText)
                    RETURNING 1)
                SELECT count(*) FROM failed
                """, on: connection
            ).first?.decode(Int.self) ?? 0
        }
    }

    public func runOutstanding(runID: String) async throws(StoreError) -> RunOutstanding {
        let counts = try await read { [self] connection in
            let row = try await rows(
                """
                SELECT count(*) FILTER (WHERE j.request_id IS NOT NULL AND j.state NOT IN \(unescaped: PGSQL.finalStates)),
                       count(*) FILTER (WHERE j.next_poll_at IS NOT NULL),
                       count(*) FILTER (WHERE j.state = 'PENDING' AND j.request_id IS NULL)
                FROM run_scope s JOIN jobs j ON j.id = s.job_id
                WHERE s.run_id = \(runID)
                """, on: connection
            ).first
            let (inFlight, awaiting, unsubmitted) = try row?.decode((Int, Int, Int).self) ?? (0, 0, 0)
            return [inFlight, awaiting, unsubmitted]
        }
        return RunOutstanding(inFlight: counts[0], awaitingPoll: counts[1], unsubmitted: counts[2])
    }

    public func webhookCompletions(runID: String) async throws(StoreError) -> Int {
        try await read { [self] connection in
            try await rows(
                """
                SELECT count(*) FROM run_scope s JOIN jobs j ON j.id = s.job_id
                WHERE s.run_id = \(runID) AND j.finished_by = 'webhook'
                """, on: connection
            ).first?.decode(Int.self) ?? 0
        }
    }

    public func retryFailed(batch: String?) async throws(StoreError) -> Int {
        try await write { [self] connection in
            try await execute(
                """
                INSERT INTO job_attempts (job_id, request_id, state, cost, result_url, error,
                                          possible_duplicate, submitted_at, finished_at, archived_at, reason)
                SELECT id, request_id, state, cost, result_url, error, possible_duplicate, submitted_at, finished_at,
                       \(unescaped: PGSQL.now), 'retry'
                FROM jobs WHERE state = 'FAILED' AND \(batch: batch, column: "batch_id")
                ORDER BY id
                """, on: connection)
            try await execute(
                """
                DELETE FROM run_scope WHERE job_id IN (
                    SELECT id FROM jobs WHERE state = 'FAILED' AND \(batch: batch, column: "batch_id"))
                """, on: connection)
            return try await rows(
                """
                WITH moved AS (
                    UPDATE jobs SET state = 'PENDING', request_id = NULL, cost = NULL, result_url = NULL,
                           error = NULL, submitting = false, submitting_run = NULL, possible_duplicate = false,
                           next_poll_at = NULL, polling = false, not_found_polls = 0, not_found_since = NULL,
                           cost_unknown = false, attempt_webhook = false, attempt_sent_at = NULL,
                           poll_count = 0, submitted_at = NULL, finished_at = NULL, finished_by = NULL,
                           updated_at = \(unescaped: PGSQL.now)
                    WHERE state = 'FAILED' AND \(batch: batch, column: "batch_id")
                    RETURNING 1)
                SELECT count(*) FROM moved
                """, on: connection
            ).first?.decode(Int.self) ?? 0
        }
    }
}
