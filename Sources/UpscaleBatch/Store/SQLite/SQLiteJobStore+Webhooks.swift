import Foundation
import GRDB

extension SQLiteJobStore {
    /// Records webhooks from the API that arrived together, in one short write transaction, and
    /// says what each did: on a busy run one commit serves many webhooks instead of one each.
    ///
    /// The job is found by the webhook's request id first; else by the job id carried in the
    /// callback URL, which covers a webhook that arrives before the submission's answer was
    /// recorded or for an attempt in doubt (the request id is then stored on the job, whatever
    /// the status: the doubt is settled), and a late one from an earlier, ambiguous attempt
    /// whose request id we never learned (a duplicate charge: kept as an extra attempt of the
    /// job, due for one poll for its cost, and the job flagged). A job with no submission out
    /// (never submitted, or moved back by `retry`) is left alone (`noSubmission`, 409).
    ///
    /// Only `status == "success"` with a result URL completes a job or records a result; any
    /// other status changes nothing, except that it settles a doubt (the request id is adopted)
    /// or reveals a duplicate charge (kept as an attempt). A job moves to COMPLETED
    /// only when the state machine allows it (one conditional UPDATE), so a FAILED job is never
    /// turned COMPLETED and a duplicate delivery changes nothing twice, in the same group or
    /// not; a final job only gains a result URL it did not have. The webhook carries no cost, so
    /// a completed job without one is made due for one status poll (`next_poll_at` = now) to
    /// learn it.
    ///
    /// `busyTimeout` bounds the wait for a store another process is writing (5 s for
    /// a webhook, whose sender would time out long before the store's own minute); it never
    /// lengthens the store's own timeout.
    /// One writer at a time: a group's one transaction is cheaper than its webhooks' own.
    public var recordsWebhooksTogether: Bool { true }

    public func recordWebhooks(
        _ webhooks: [ReceivedWebhook], busyTimeout: TimeInterval?
    ) async throws(StoreError) -> [WebhookOutcome] {
        guard !webhooks.isEmpty else { return [] }
        do {
            return try await database.writeWithoutTransaction { db in
                let previous = try Int.fetchOne(db, sql: "PRAGMA busy_timeout") ?? 0
                let wanted = busyTimeout.map { min(previous, Int($0 * 1000)) } ?? previous
                if wanted != previous { try db.execute(sql: "PRAGMA busy_timeout = \(wanted)") }
                defer { if wanted != previous { try? db.execute(sql: "PRAGMA busy_timeout = \(previous)") } }
                var outcomes: [WebhookOutcome] = []
                outcomes.reserveCapacity(webhooks.count)
                try db.inTransaction(.immediate) {
                    let now = StoreClock.millis()
                    for webhook in webhooks { outcomes.append(try Self.record(webhook, nowMillis: now, in: db)) }
                    return .commit
                }
                return outcomes
            }
        } catch {
            throw Self.translate(error, path: path)
        }
    }
}

extension SQLiteJobStore {
    /// The columns of the matched job that decide what the webhook does.
    private struct MatchedJob {
        var id: Int64
        var state: JobState
        var requestID: String?
        var hasResult: Bool
        /// An attempt was recorded before its POST and has no answer yet (or an ambiguous one).
        var submitting: Bool
    }

    /// The whole decision, inside the caller's write transaction.
    private static func record(_ webhook: ReceivedWebhook, nowMillis: Int64, in db: Database) throws -> WebhookOutcome {
        if let job = try fetchJob(db, sql: "request_id = ?", webhook.requestID) {
            guard webhook.isSuccess else { return .ignored(jobID: job.id) }
            return try complete(job, with: webhook, nowMillis: nowMillis, in: db)
        }
        guard let jobID = webhook.jobID, var job = try fetchJob(db, sql: "id = ?", jobID) else {
            return .unknownJob
        }
        if job.requestID == nil && !job.submitting {
            // Never submitted, or moved back by `retry`: no request of ours can be out, so this
            // webhook cannot be about it (a forged or misrouted one). Nothing changes.
            return .noSubmission(jobID: job.id)
        }
        if try isKnownAttempt(jobID: job.id, requestID: webhook.requestID, in: db) {
            // A request already kept in the job's history (archived by `retry`, or a duplicate
            // seen before): keep the result there as evidence, and leave the job alone.
            if webhook.isSuccess {
                try db.execute(
                    sql: """
                        UPDATE job_attempts SET result_url = ?,
                               state = CASE WHEN reason = 'duplicate' THEN 'COMPLETED' ELSE state END
                        WHERE job_id = ? AND request_id = ? AND result_url IS NULL
                        """,
                    arguments: [webhook.resultURL, job.id, webhook.requestID])
            }
            return .alreadyRecorded(jobID: job.id)
        }
        if job.requestID == nil {
            // The webhook beat the submission's answer, or names the request of an attempt in
            // doubt: whatever its status, adopt its request id (the doubt is settled, no second
            // submission) and let the poller follow it from now.
            try db.execute(
                sql: """
                    UPDATE jobs SET request_id = ?, submitting = 0, submitting_run = NULL, error = NULL,
                           submitted_at = COALESCE(submitted_at, \(StoreSQL.now)), next_poll_at = ?, poll_count = 0,
                           updated_at = \(StoreSQL.now)
                    WHERE id = ? AND request_id IS NULL
                    """,
                arguments: [webhook.requestID, nowMillis, job.id])
            job.requestID = webhook.requestID
            guard webhook.isSuccess else { return .adopted(jobID: job.id) }
            return try complete(job, with: webhook, nowMillis: nowMillis, in: db)
        }
        // A different request id: the API ran another request for this job (an earlier attempt
        // whose answer was lost). It is a charge of its own: keep it beside the job, due for the
        // one poll that learns its cost; the job keeps following its own request.
        let state: JobState =
            webhook.isSuccess ? .completed : webhook.status.lowercased() == "failed" ? .failed : .inProgress
        try db.execute(
            sql: """
                INSERT INTO job_attempts (job_id, request_id, state, result_url, possible_duplicate,
                                          archived_at, reason, next_poll_at)
                VALUES (?, ?, ?, ?, 1, \(StoreSQL.now), 'duplicate', ?)
                """,
            arguments: [job.id, webhook.requestID, state.rawValue, webhook.isSuccess ? webhook.resultURL : nil, nowMillis])
        try db.execute(
            sql: "UPDATE jobs SET possible_duplicate = 1, updated_at = \(StoreSQL.now) WHERE id = ? AND possible_duplicate = 0",
            arguments: [job.id])
        return .duplicateAttempt(jobID: job.id)
    }

    /// Moves `job` to COMPLETED when the state machine allows it, else adds a missing result.
    private static func complete(
        _ job: MatchedJob, with webhook: ReceivedWebhook, nowMillis: Int64, in db: Database
    ) throws -> WebhookOutcome {
        let from = JobState.predecessors(of: .completed).filter { $0 != .completed }
        if from.contains(job.state) {
            let states = from.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            // One statement checks and writes, so a poll that finished the job meanwhile wins.
            // A poll in flight keeps its claim's lapse: its answer sets the next time, and the
            // job is not claimed a second time meanwhile.
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'COMPLETED', result_url = COALESCE(result_url, ?),
                           finished_at = \(StoreSQL.now), finished_by = 'webhook',
                           next_poll_at = CASE WHEN polling = 1 THEN next_poll_at WHEN cost IS NULL THEN ? ELSE NULL END,
                           updated_at = \(StoreSQL.now)
                    WHERE id = ? AND state IN (\(states))
                    """,
                arguments: [webhook.resultURL, nowMillis, job.id])
            if db.changesCount > 0 { return .completed(jobID: job.id) }
        }
        if !job.hasResult {
            try db.execute(
                sql: "UPDATE jobs SET result_url = ?, updated_at = \(StoreSQL.now) WHERE id = ? AND result_url IS NULL",
                arguments: [webhook.resultURL, job.id])
        }
        return .alreadyRecorded(jobID: job.id)
    }

    private static func fetchJob(_ db: Database, sql condition: String, _ value: some DatabaseValueConvertible) throws
        -> MatchedJob?
    {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT id, state, request_id, submitting, result_url IS NOT NULL AS has_result FROM jobs WHERE \(condition) LIMIT 1"
            ),
            arguments: [value])
        guard let row else { return nil }
        let id: Int64 = row["id"]
        let state = try UnknownStoredValue.decode(JobState.self, row, "state", jobID: id)
        return MatchedJob(
            id: id, state: state, requestID: row["request_id"], hasResult: row["has_result"],
            submitting: row["submitting"])
    }

    private static func isKnownAttempt(jobID: Int64, requestID: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM job_attempts WHERE job_id = ? AND request_id = ?)",
            arguments: [jobID, requestID]) ?? false
    }
}
