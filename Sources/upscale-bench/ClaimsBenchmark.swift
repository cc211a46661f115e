import ArgumentParser
import Foundation
import UpscaleBatch

/// `upscale-bench claims --db URL`: what claiming costs on a shared PostgreSQL store (issue
/// 13, point 2), with no API: R loops, each a runner of its own, reserve the next batch of
/// their scope's unsubmitted jobs, claim them, and record a request id for each (the three
/// transactions a batch of submissions costs), through the store's contract; beside `pgbench
/// -c R -t N` running the same three statements, as many batches, on the same store,
/// reset between the two. Prints claims per second of each and their ratio (target >= 0.7).
struct ClaimsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims", abstract: "Claims per second through the store against pgbench running the same statements.")

    @Option(help: "A PostgreSQL URL (its upscale_batch schema is dropped first).") var db: String
    @Option(help: "Pending jobs in the store.") var jobs = 300_000
    @Option(help: "Claim loops (runners), and pgbench clients.") var loops = 3
    @Option(help: "Seconds each side runs.") var seconds = 30
    @Option(help: "Jobs per claim (the runner claims at most 32 at once).") var batch = 32

    func run() async throws {
        let directory = try BenchSupport.temporaryDirectory("claims")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = "url\n"
        for index in 0..<jobs { text += "https://img.example/claims/\(index).jpg\n" }
        try text.write(toFile: directory + "/jobs.csv", atomically: true, encoding: .utf8)
        try BenchSupport.dropPostgresStore(url: db)
        try BenchSupport.run(["import", directory + "/jobs.csv"], environment: ["UPSCALE_DB": db], directory: directory)
        print("claims benchmark: \(jobs) pending jobs, \(loops) loop(s) of \(batch) jobs per claim, \(seconds) s each side")

        let (ours, batches) = try await storeLoops()
        print(String(format: "  upscale-batch store: %.0f claims/s", ours))
        try reset()
        // The same number of batches per client as our loops made in their time.
        let theirs = try pgbench(directory: directory, transactionsPerClient: max(1, batches / loops))
        print(String(format: "  pgbench, same statements: %.0f claims/s", theirs))
        print(String(format: "  ratio store / pgbench: %.2f (target >= 0.7)", ours / theirs))
    }

    /// Claims per second of `loops` runners through the store's contract, and the batches made.
    private func storeLoops() async throws -> (Double, Int) {
        let store = try await JobStores.open(db)
        defer { (store as? PostgresJobStore)?.close() }
        let batch = batch
        let runs = (0..<loops).map { RunIdentity(runID: "claims-\($0)", lease: 600) }
        for run in runs { _ = try await store.beginRun(run, batch: nil) }
        // The clock starts once every run has recorded its scope, as pgbench's runs are set up
        // before it starts (`reset`).
        let started = Date()
        let deadline = started.addingTimeInterval(Double(seconds))
        let (claimed, batches) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for run in runs {
                group.addTask {
                    var (claimed, batches) = (0, 0)
                    var cursor: Int64 = 0
                    while Date() < deadline {
                        let page = try await store.unsubmittedJobs(runID: run.runID, afterID: cursor, limit: batch)
                        guard let last = page.last else { break }
                        cursor = last.jobID
                        let results = try await store.claimSubmissions(
                            jobIDs: page.map(\.jobID), runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                        let won = zip(page, results).filter { if case .claimed = $0.1 { true } else { false } }.map(\.0)
                        try await store.recordSubmitted(
                            won.map {
                                SubmittedRequest(
                                    jobID: $0.jobID, requestID: "r-\($0.jobID)", firstPollAt: Int64.max / 2, runID: run.runID)
                            })
                        claimed += won.count
                        batches += 1
                    }
                    return (claimed, batches)
                }
            }
            var total = (0, 0)
            for try await (claimed, batches) in group { total = (total.0 + claimed, total.1 + batches) }
            return total
        }
        let elapsed = Date().timeIntervalSince(started)
        for run in runs { try await store.endRun(runID: run.runID) }
        return (Double(claimed) / elapsed, batches)
    }

    /// Every job unsubmitted again, and one registered run per pgbench client.
    private func reset() throws {
        try BenchSupport.psql(
            url: db,
            """
            UPDATE upscale_batch.jobs SET request_id = NULL, submitting = false, submitting_run = NULL, attempts = 0,
                   possible_duplicate = false, next_poll_at = NULL, attempt_sent_at = NULL, submitted_at = NULL;
            DELETE FROM upscale_batch.job_attempts;
            """)
        // On its own: psql sends one -c as one transaction, and VACUUM refuses to run in one.
        try BenchSupport.psql(url: db, "VACUUM ANALYZE upscale_batch.jobs")
        for client in 0..<loops {
            try BenchSupport.psql(
                url: db,
                """
                INSERT INTO upscale_batch.runs (id, pid, host, started_at, last_seen, lease_ms)
                VALUES ('pgb-\(client)', 0, 'bench', 'now', clock_timestamp(), 600000);
                INSERT INTO upscale_batch.run_scope (run_id, job_id, cost_only)
                SELECT 'pgb-\(client)', id, false FROM upscale_batch.jobs;
                """)
        }
    }

    /// Claims per second of `pgbench -c loops -t N` running the store's three statements, over
    /// its wall time. A count, not `-T`: pgbench ends `-T` with SIGALRM, which a child of this
    /// process may never see (it ran for minutes, ignoring SIGINT too).
    private func pgbench(directory: String, transactionsPerClient: Int) throws -> Double {
        let script = directory + "/claims.pgbench"
        let started = Date()
        try Self.script(batch: batch).write(toFile: script, atomically: true, encoding: .utf8)
        let (status, output) = try BenchSupport.run(
            [
                "pgbench", "-n", "-c", "\(loops)", "-j", "\(loops)", "-t", "\(transactionsPerClient)", "-D", "cursor=0",
                "-f", script, BenchSupport.psqlURL(db),
            ], directory: directory, binary: "/usr/bin/env")
        let elapsed = Date().timeIntervalSince(started)
        guard status == 0 else { throw BenchError("pgbench failed:\n\(output)") }
        let claimed =
            Int(
                try BenchSupport.psql(url: db, "SELECT count(*) FROM upscale_batch.jobs WHERE request_id IS NOT NULL")
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return Double(claimed) / elapsed
    }

    /// The store's statements of a batch, as `PostgresJobStore` sends them (reserve, claim,
    /// record), with pgbench's variables for the bound values; each in its own transaction.
    static func script(batch: Int) -> String {
        let run = "('pgb-' || :client_id)"
        // The store's own expression for "now" (ISO-8601 text, as on SQLite).
        let now = #"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
        let live = """
            (r.ended_at IS NULL AND greatest(r.last_seen, pg_postmaster_start_time())
                + r.lease_ms * interval '1 millisecond' > clock_timestamp())
            """
        return """
            BEGIN;
            SET LOCAL synchronous_commit = off;
            WITH picked AS (
                SELECT j.id FROM upscale_batch.run_scope s JOIN upscale_batch.jobs j ON j.id = s.job_id
                WHERE s.run_id = \(run) AND NOT s.cost_only AND j.id > :cursor AND j.state = 'PENDING'
                  AND j.request_id IS NULL
                  AND (j.submitting_run IS NULL OR (j.submitting_run = \(run) AND NOT j.submitting)
                       OR (j.submitting_run <> \(run) AND NOT EXISTS (
                           SELECT 1 FROM upscale_batch.runs r WHERE r.id = j.submitting_run AND \(live))))
                ORDER BY j.id LIMIT \(batch)
                FOR NO KEY UPDATE OF j SKIP LOCKED),
            reserved AS (
                UPDATE upscale_batch.jobs AS j SET submitting_run = \(run) FROM picked WHERE j.id = picked.id
                RETURNING j.id, j.url, j.mode)
            SELECT coalesce(max(id), :cursor) AS cursor, coalesce(array_to_string(array_agg(id), ','), '') AS ids
            FROM reserved \\gset
            COMMIT;
            BEGIN;
            WITH candidates AS (
                SELECT id, submitting AND attempt_webhook AND attempt_sent_at IS NOT NULL
                           AND attempt_sent_at + 0 > 0 AS waits,
                       attempt_sent_at + 0 AS until
                FROM upscale_batch.jobs
                WHERE id = ANY(string_to_array(':ids', ',')::bigint[]) AND state = 'PENDING' AND request_id IS NULL
                  AND (submitting_run IS NULL OR submitting_run = \(run)
                       OR NOT EXISTS (SELECT 1 FROM upscale_batch.runs r WHERE r.id = jobs.submitting_run AND \(live)))
                FOR NO KEY UPDATE),
            claimed AS (
                UPDATE upscale_batch.jobs AS j SET submitting = true, submitting_run = \(run), attempts = j.attempts + 1,
                       possible_duplicate = (j.possible_duplicate OR j.submitting),
                       attempt_webhook = false, attempt_sent_at = 0,
                       account = j.account, updated_at = \(now)
                FROM candidates c
                WHERE j.id = c.id AND NOT c.waits
                RETURNING j.id, j.possible_duplicate)
            SELECT id, true, possible_duplicate, 0::bigint FROM claimed
            UNION ALL
            SELECT id, false, false, until FROM candidates WHERE waits;
            COMMIT;
            BEGIN;
            WITH v AS (
                SELECT v.id, v.request_id, v.first_poll_at, j.request_id AS current,
                       (j.request_id IS NULL AND v.run_id <> '' AND j.submitting_run IS DISTINCT FROM v.run_id) AS lost
                FROM unnest(string_to_array(':ids', ',')::bigint[]) AS v0(id)
                CROSS JOIN LATERAL (SELECT v0.id, 'r-' || v0.id AS request_id, 4611686018427387903::bigint AS first_poll_at,
                                           \(run) AS run_id) AS v
                JOIN upscale_batch.jobs j ON j.id = v.id
                FOR NO KEY UPDATE OF j),
            other AS (
                INSERT INTO upscale_batch.job_attempts (job_id, request_id, state, possible_duplicate, submitted_at,
                                                        archived_at, reason, next_poll_at)
                SELECT id, request_id, 'PENDING', true, \(now), \(now), 'duplicate', first_poll_at
                FROM v WHERE (current IS NOT NULL AND current <> request_id) OR lost
                RETURNING job_id)
            UPDATE upscale_batch.jobs AS j SET
                request_id = CASE WHEN v.lost THEN j.request_id ELSE coalesce(j.request_id, v.request_id) END,
                submitting = v.lost AND j.submitting,
                submitting_run = CASE WHEN v.lost THEN j.submitting_run END,
                possible_duplicate = j.possible_duplicate OR v.id IN (SELECT job_id FROM other),
                error = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.error END,
                submitted_at = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.submitted_at ELSE \(now) END,
                next_poll_at = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.next_poll_at ELSE v.first_poll_at END,
                poll_count = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.poll_count ELSE 0 END,
                updated_at = \(now)
            FROM v WHERE j.id = v.id;
            COMMIT;

            """
    }
}
