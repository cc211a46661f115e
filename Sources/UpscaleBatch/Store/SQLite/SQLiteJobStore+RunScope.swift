import Foundation
import GRDB

extension SQLiteJobStore {
    /// Records a run and its scope: every job (of `batch`) that is not final gets a row in
    /// `run_scope` for this run (a later run adds its own rows and never rewrites these). Final
    /// jobs that still lack their cost are recorded as owed one cost poll. Jobs in flight
    /// without a poll time, and final jobs owed their cost, are made due, so a restarted run
    /// resumes every schedule. Runs of this host whose process is gone are marked ended, so
    /// their submission claims can be taken over. Returns the number of jobs in scope.
    public func beginRun(_ run: RunIdentity, batch: String?) async throws(StoreError) -> Int {
        try await write { db in
            try Self.endDeadRuns(besides: run, in: db)
            // Scopes of ended runs are no longer read (their summaries are printed): keep the
            // table to the live runs' scopes.
            try db.execute(
                sql: "DELETE FROM run_scope WHERE run_id IN (SELECT id FROM runs WHERE ended_at IS NOT NULL)")
            try db.execute(
                sql: """
                    INSERT INTO runs (id, pid, process_start, host, batch, started_at)
                    VALUES (?, ?, ?, ?, ?, \(StoreSQL.now))
                    """,
                arguments: [run.runID, run.pid, run.processStart, run.host, batch])
            let batchCondition = batch == nil ? "" : " AND batch_id = \(StoreSQL.batchNamed)"
            let batchArguments: StatementArguments = batch.map { [$0] } ?? []
            try db.execute(
                sql: """
                    INSERT INTO run_scope (run_id, job_id, cost_only)
                    SELECT ?, id, 0 FROM jobs WHERE state NOT IN \(StoreSQL.finalStates)\(batchCondition)
                    """,
                arguments: [run.runID] + batchArguments)
            let scope = db.changesCount
            try db.execute(
                sql: """
                    INSERT INTO run_scope (run_id, job_id, cost_only)
                    SELECT ?, id, 1 FROM jobs
                    WHERE state IN \(StoreSQL.finalStates) AND request_id IS NOT NULL AND cost IS NULL
                      AND cost_unknown = 0\(batchCondition)
                    """,
                arguments: [run.runID] + batchArguments)
            // Status calls left in flight by a run that died are owed again now.
            try db.execute(
                sql: "UPDATE jobs SET polling = 0, next_poll_at = min(next_poll_at, ?) WHERE polling = 1",
                arguments: [StoreClock.millis()])
            try db.execute(
                sql: """
                    UPDATE jobs SET next_poll_at = ?
                    WHERE next_poll_at IS NULL AND request_id IS NOT NULL AND cost_unknown = 0
                      AND (state NOT IN \(StoreSQL.finalStates) OR cost IS NULL)\(batchCondition)
                    """,
                arguments: [StoreClock.millis()] + batchArguments)
            return scope
        }
    }

    /// Marks the run ended: its submission claims left in doubt may be taken over at once.
    public func endRun(runID: String) async throws(StoreError) {
        try await write { db in
            try db.execute(sql: "UPDATE runs SET ended_at = \(StoreSQL.now) WHERE id = ?", arguments: [runID])
        }
    }

    /// Runs of this host not marked ended whose process is gone (SIGKILL, power cut).
    private static func endDeadRuns(besides run: RunIdentity, in db: Database) throws {
        let open = try Row.fetchAll(
            db, sql: "SELECT id, pid, process_start FROM runs WHERE ended_at IS NULL AND host = ?", arguments: [run.host])
        for row in open {
            let pid: Int32 = row["pid"]
            let start: String? = row["process_start"]
            let alive =
                pid == run.pid && start == run.processStart || RunIdentity.isAlive(pid: pid, start: start)
            if !alive {
                try db.execute(
                    sql: "UPDATE runs SET ended_at = \(StoreSQL.now) WHERE id = ?", arguments: [row["id"] as String])
            }
        }
    }

    /// Ends FAILED every job of the run's scope that has been in flight since before `cutoff`.
    public func failTimedOut(runID: String, submittedBefore cutoff: Date, reason: String) async throws(StoreError) -> Int {
        let cutoffText = UTCTime.milliseconds(cutoff)
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'FAILED', error = ?, finished_at = \(StoreSQL.now), finished_by = 'timeout',
                           next_poll_at = CASE WHEN cost IS NULL THEN next_poll_at ELSE NULL END, updated_at = \(StoreSQL.now)
                    WHERE id IN (SELECT job_id FROM run_scope WHERE run_id = ? AND cost_only = 0)
                      AND request_id IS NOT NULL AND state NOT IN \(StoreSQL.finalStates) AND submitted_at < ?
                    """, arguments: [reason, runID, cutoffText])
            return db.changesCount
        }
    }

    /// What still keeps a run going: jobs of its scope in flight, and jobs of its scope (or
    /// owed their one cost poll by it) still waiting for a poll. Nothing outside the scope.
    public func runOutstanding(runID: String) async throws(StoreError) -> RunOutstanding {
        try await read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(j.request_id IS NOT NULL AND j.state NOT IN \(StoreSQL.finalStates)), 0) AS in_flight,
                           coalesce(sum(j.next_poll_at IS NOT NULL), 0) AS awaiting,
                           coalesce(sum(j.state = 'PENDING' AND j.request_id IS NULL), 0) AS unsubmitted
                    FROM run_scope s JOIN jobs j ON j.id = s.job_id
                    WHERE s.run_id = ?
                    """, arguments: [runID])
            return RunOutstanding(
                inFlight: row?["in_flight"] ?? 0, awaitingPoll: row?["awaiting"] ?? 0, unsubmitted: row?["unsubmitted"] ?? 0)
        }
    }

    /// How many jobs of the run a webhook finished: the sign that webhooks arrive.
    public func webhookCompletions(runID: String) async throws(StoreError) -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM run_scope s JOIN jobs j ON j.id = s.job_id
                    WHERE s.run_id = ? AND j.finished_by = 'webhook'
                    """, arguments: [runID]) ?? 0
        }
    }
}
