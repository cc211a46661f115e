import PostgresNIO

/// Submission claims and request ids on PostgreSQL in one statement per call instead of two
/// per job: the feeder claims the slots free together, and the commit queue records the request
/// ids that arrived together, so a call of 32 costs one round trip where it cost 64. The rules
/// are `SQLiteJobStore+Runner`'s; what makes them safe between processes is that every row is
/// locked (`FOR NO KEY UPDATE`, which a run's `beginRun` referencing the jobs from `run_scope`
/// does not block) before it is judged, so a racing claim waits and then sees the winner's
/// change.
extension PostgresJobStore {
    /// Claims each of `jobIDs` still unsubmitted and not held by a live run of another (reserved or claimed; a run whose lease lapsed is not live): one
    /// statement that locks the candidates, leaves alone those whose attempt in doubt was sent
    /// with a webhook of ours still within `doubtWait`, and claims the rest. A job missing
    /// from the answer is `.gone`.
    func claimSubmissionBatch(
        jobIDs: [Int64], runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?, now: Int64,
        on connection: PostgresConnection
    ) async throws -> [SubmissionClaimResult] {
        let doubtMillis = Int64(doubtWait * 1000)
        var found: [Int64: SubmissionClaimResult] = [:]
        for row in try await rows(
            """
            WITH candidates AS (
                SELECT id, submitting AND attempt_webhook AND attempt_sent_at IS NOT NULL
                           AND attempt_sent_at + \(doubtMillis) > \(now) AS waits,
                       attempt_sent_at + \(doubtMillis) AS until
                FROM jobs
                WHERE id = ANY(\(jobIDs)) AND state = 'PENDING' AND request_id IS NULL
                  AND (submitting_run IS NULL OR submitting_run = \(runID)
                       OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = jobs.submitting_run
                                      AND \(unescaped: PGSQL.runIsLive("r"))))
                FOR NO KEY UPDATE),
            claimed AS (
                UPDATE jobs AS j SET submitting = true, submitting_run = \(runID), attempts = j.attempts + 1,
                       possible_duplicate = (j.possible_duplicate OR j.submitting),
                       attempt_webhook = \(webhookOfOurs), attempt_sent_at = \(now),
                       account = coalesce(\(account), j.account), updated_at = \(unescaped: PGSQL.now)
                FROM candidates c
                WHERE j.id = c.id AND NOT c.waits
                RETURNING j.id, j.possible_duplicate)
            SELECT id, true, possible_duplicate, 0::bigint FROM claimed
            UNION ALL
            SELECT id, false, false, until FROM candidates WHERE waits
            """, on: connection)
        {
            let (id, isClaimed, duplicate, until) = try row.decode((Int64, Bool, Bool, Int64).self)
            found[id] = isClaimed ? .claimed(possibleDuplicate: duplicate) : .waitForWebhook(until: until)
        }
        return jobIDs.map { found[$0] ?? .gone }
    }

    /// Records request ids that name each job once, in one statement: a job without a request
    /// id (or with this one) takes it and is due for its first poll; a job that follows another
    /// request already (a webhook adopted one meanwhile), or whose claim another runner holds
    /// now (this run's lease lapsed and it was taken over), keeps what it has, and this request
    /// is kept beside it as a possible duplicate charge, due for its one cost poll.
    func recordSubmittedBatch(_ requests: [SubmittedRequest], on connection: PostgresConnection) async throws {
        let ids = requests.map(\.jobID)
        let requestIDs = requests.map(\.requestID)
        let firstPolls = requests.map(\.firstPollAt)
        let runs = requests.map { $0.runID ?? "" }
        try await execute(
            """
            WITH v AS (
                SELECT v.id, v.request_id, v.first_poll_at, j.request_id AS current,
                       (j.request_id IS NULL AND v.run_id <> '' AND j.submitting_run IS DISTINCT FROM v.run_id) AS lost
                FROM unnest(\(ids), \(requestIDs), \(firstPolls), \(runs)) AS v(id, request_id, first_poll_at, run_id)
                JOIN jobs j ON j.id = v.id
                FOR NO KEY UPDATE OF j),
            other AS (
                INSERT INTO job_attempts (job_id, request_id, state, possible_duplicate, submitted_at, archived_at,
                                          reason, next_poll_at)
                SELECT id, request_id, 'PENDING', true, \(unescaped: PGSQL.now), \(unescaped: PGSQL.now), 'duplicate',
                       first_poll_at
                FROM v WHERE (current IS NOT NULL AND current <> request_id) OR lost
                RETURNING job_id)
            UPDATE jobs AS j SET
                request_id = CASE WHEN v.lost THEN j.request_id ELSE coalesce(j.request_id, v.request_id) END,
                submitting = v.lost AND j.submitting,
                submitting_run = CASE WHEN v.lost THEN j.submitting_run END,
                possible_duplicate = j.possible_duplicate OR v.id IN (SELECT job_id FROM other),
                error = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.error END,
                submitted_at = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.submitted_at
                                    ELSE \(unescaped: PGSQL.now) END,
                next_poll_at = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.next_poll_at ELSE v.first_poll_at END,
                poll_count = CASE WHEN v.id IN (SELECT job_id FROM other) THEN j.poll_count ELSE 0 END,
                updated_at = \(unescaped: PGSQL.now)
            FROM v WHERE j.id = v.id
            """, on: connection)
    }
}
