import Foundation
import GRDB

/// Runners on a SQLite store: the one run that holds the store's run lock (`RunLock`). Its
/// heartbeat only records when it was last seen and its requests in flight, for `status`;
/// nothing is taken over, since no other runner can share the file.
extension SQLiteJobStore {
    /// The one runner's part of the store-wide limits is all of them, re-read at every beat.
    public func renewRun(runID: String, inFlight: Int, demand: RunnerDemand) async throws(StoreError) -> RunRenewal {
        let registered = try await write { db in
            try db.execute(
                sql: "UPDATE runs SET last_seen = \(StoreSQL.now), in_flight = ? WHERE id = ? AND ended_at IS NULL",
                arguments: [inFlight, runID])
            return db.changesCount > 0
        }
        let limits = try await limits()
        return RunRenewal(
            registered: registered, liveRunners: registered ? [runID] : [],
            grant: LimitGrant(concurrency: limits.concurrency, rate: limits.rate))
    }

    /// The runs not marked ended whose process is alive (a run of another host cannot hold a
    /// SQLite store's lock, and its process cannot be checked: it is not listed).
    public func liveRunners() async throws(StoreError) -> [RunnerRecord] {
        let host = RunIdentity.localHost
        return try await read { db in
            let heartbeat = try db.columns(in: "runs").contains { $0.name == "last_seen" }
            let lastSeen = heartbeat ? "coalesce(last_seen, started_at)" : "started_at"
            let inFlight = heartbeat ? "in_flight" : "0"
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, host, pid, process_start, started_at, \(lastSeen) AS last_seen, \(inFlight) AS in_flight
                    FROM runs WHERE ended_at IS NULL AND host = ? ORDER BY started_at, id
                    """, arguments: [host]
            ).filter { row in
                RunIdentity.isAlive(pid: row["pid"], start: row["process_start"])
            }.map { row in
                RunnerRecord(
                    id: row["id"], host: row["host"], pid: row["pid"], startedAt: row["started_at"],
                    lastSeen: row["last_seen"], inFlight: row["in_flight"])
            }
        }
    }

    /// Only runs not marked ended count: the run lock keeps others out, and a run that died
    /// was marked ended when this one began, its doubts left for this run's scan.
    public func unsubmittedHeldByOthers(runID: String) async throws(StoreError) -> Int {
        try await read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM run_scope s JOIN jobs j ON j.id = s.job_id
                    WHERE s.run_id = ? AND s.cost_only = 0 AND j.state = 'PENDING' AND j.request_id IS NULL
                      AND j.submitting_run IN (SELECT id FROM runs WHERE ended_at IS NULL AND id <> ?)
                    """, arguments: [runID, runID]) ?? 0
        }
    }
}
