import Foundation
import GRDB

extension SQLiteJobStore {
    /// The next unsubmitted jobs of the run's scope after `afterID`, in id order, but this
    /// run's own submissions under way or in doubt (the run holds those itself). A read: the
    /// claim (`claimSubmission`) re-checks each job and is what makes it this run's.
    public func unsubmittedJobs(runID: String, afterID: Int64, limit: Int) async throws(StoreError) -> [SubmissionClaim] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT j.id, j.url, j.mode FROM run_scope s JOIN jobs j ON j.id = s.job_id
                    WHERE s.run_id = ? AND s.cost_only = 0 AND j.id > ? AND j.state = 'PENDING' AND j.request_id IS NULL
                      AND NOT (j.submitting = 1 AND j.submitting_run IS ?)
                    ORDER BY j.id LIMIT ?
                    """, arguments: [runID, afterID, runID, limit]
            ).map { row in
                let jobID: Int64 = row["id"]
                let mode = try UnknownStoredValue.decode(Mode.self, row, "mode", jobID: jobID)
                return SubmissionClaim(jobID: jobID, url: row["url"], mode: mode)
            }
        }
    }

    /// Claims a job for one submission attempt and commits the attempt before its POST is
    /// sent: after a crash, `submitting = 1` says a request may exist
    /// that we cannot name. If the previous attempt was left that way, this one is a possible
    /// duplicate charge.
    ///
    /// The claim is one conditional UPDATE that only one runner can win: the job must still be
    /// unsubmitted and its last attempt's claim free, this run's own, or a run that ended (or
    /// died), so two runners that got past the run lock never send the same job twice.
    /// `webhookOfOurs` is recorded with the attempt: an attempt in doubt that was sent with a
    /// webhook URL of ours is resubmitted only `doubtWait` after it was sent (a webhook naming
    /// the job may settle it meanwhile). `account` (the key and base URL's fingerprint) is
    /// recorded with it: one account per store.
    ///
    /// Several jobs are claimed in one transaction (the slots that are free together), each by
    /// its own conditional UPDATE: one result per job, in the order given.
    public func claimSubmissions(
        jobIDs: [Int64], runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?
    ) async throws(StoreError) -> [SubmissionClaimResult] {
        let now = StoreClock.millis()
        return try await write { db in
            try jobIDs.map { jobID in
                try Self.claimSubmission(
                    db, jobID: jobID, runID: runID, webhookOfOurs: webhookOfOurs, doubtWait: doubtWait, account: account,
                    now: now)
            }
        }
    }

    private static func claimSubmission(
        _ db: Database, jobID: Int64, runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?, now: Int64
    ) throws -> SubmissionClaimResult {
        let claimable = """
            (submitting_run IS NULL OR submitting_run = ?
             OR NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = jobs.submitting_run AND runs.ended_at IS NULL))
            """
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT submitting, attempt_webhook, attempt_sent_at FROM jobs
                        WHERE id = ? AND state = 'PENDING' AND request_id IS NULL AND \(claimable)
                        """), arguments: [jobID, runID])
        else { return .gone }
        let inDoubt: Bool = row["submitting"]
        let sentWithWebhook: Bool = row["attempt_webhook"]
        if inDoubt && sentWithWebhook, let sentAt: Int64 = row["attempt_sent_at"] {
            let until = sentAt + Int64(doubtWait * 1000)
            if until > now { return .waitForWebhook(until: until) }
        }
        let duplicate = try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    UPDATE jobs SET submitting = 1, submitting_run = ?, attempts = attempts + 1,
                           possible_duplicate = (possible_duplicate OR submitting),
                           attempt_webhook = ?, attempt_sent_at = ?, account = coalesce(?, account),
                           updated_at = \(StoreSQL.now)
                    WHERE id = ? AND state = 'PENDING' AND request_id IS NULL AND \(claimable)
                    RETURNING possible_duplicate
                    """), arguments: [runID, webhookOfOurs, now, account, jobID, runID])
        guard let duplicate else { return .gone }
        return .claimed(possibleDuplicate: duplicate)
    }

    /// Records request ids the moment /queue answered, several answers that arrived together
    /// in one transaction (the runner never holds one back for others to come).
    /// If a webhook meanwhile settled a job with another request's id (an earlier attempt in
    /// doubt), this request is a second charge: it is kept beside the job as a duplicate
    /// attempt, due for its cost poll, and the job keeps the request it follows.
    public func recordSubmitted(_ requests: [SubmittedRequest]) async throws(StoreError) {
        guard !requests.isEmpty else { return }
        try await write { db in
            for request in requests { try Self.recordSubmitted(db, request) }
        }
    }

    private static func recordSubmitted(_ db: Database, _ request: SubmittedRequest) throws {
        let (jobID, requestID, firstPollAt) = (request.jobID, request.requestID, request.firstPollAt)
        let current = try String.fetchOne(
            db.cachedStatement(sql: "SELECT request_id FROM jobs WHERE id = ?"), arguments: [jobID])
        if let current, current != requestID {
            try db.execute(
                sql: """
                    INSERT INTO job_attempts (job_id, request_id, state, possible_duplicate, submitted_at,
                                              archived_at, reason, next_poll_at)
                    VALUES (?, ?, 'PENDING', 1, \(StoreSQL.now), \(StoreSQL.now), 'duplicate', ?)
                    """, arguments: [jobID, requestID, firstPollAt])
            try db.execute(
                sql: """
                    UPDATE jobs SET possible_duplicate = 1, submitting = 0, submitting_run = NULL,
                           updated_at = \(StoreSQL.now)
                    WHERE id = ?
                    """, arguments: [jobID])
            return
        }
        try db.cachedStatement(
            sql: """
                UPDATE jobs SET request_id = coalesce(request_id, ?), submitting = 0, submitting_run = NULL, error = NULL,
                       submitted_at = \(StoreSQL.now), next_poll_at = ?, poll_count = 0, updated_at = \(StoreSQL.now)
                WHERE id = ?
                """
        ).execute(arguments: [requestID, firstPollAt, jobID])
    }

    /// A submission that ended without a request id. `keepInDoubt` keeps `submitting = 1`
    /// (an ambiguous answer: the API may have created a request); otherwise the attempt is
    /// cleared and the job stays unsubmitted with `error` as its last error.
    public func recordSubmissionUnresolved(
        jobID: Int64, error: String, keepInDoubt: Bool, runID: String?
    ) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET submitting = ?, error = ?, updated_at = \(StoreSQL.now),
                           submitting_run = CASE WHEN ? THEN submitting_run END
                    WHERE id = ? AND request_id IS NULL AND (? IS NULL OR submitting_run IS ?)
                    """, arguments: [keepInDoubt, error, keepInDoubt, jobID, runID, runID])
        }
    }

    /// The API refused these jobs: each ends FAILED with the API's message.
    public func recordRefused(jobIDs: [Int64], message: String) async throws(StoreError) {
        guard !jobIDs.isEmpty else { return }
        try await write { db in
            for id in jobIDs {
                try db.execute(
                    sql: """
                        UPDATE jobs SET state = 'FAILED', submitting = 0, submitting_run = NULL, error = ?,
                               finished_at = \(StoreSQL.now),
                               finished_by = 'refusal', updated_at = \(StoreSQL.now)
                        WHERE id = ? AND state = 'PENDING' AND request_id IS NULL
                        """, arguments: [message, id])
            }
        }
    }

    /// When the next poll of an unclaimed job (of `batch`) falls due (Unix ms); nil when none awaits one.
    public func nextDuePoll(batch: String?) async throws(StoreError) -> Int64? {
        try await read { db in
            let batchCondition = batch == nil ? "" : " AND batch_id = \(StoreSQL.batchNamed)"
            return try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT min(next_poll_at) FROM jobs WHERE next_poll_at IS NOT NULL\(batchCondition)"),
                arguments: StatementArguments(batch.map { [$0] } ?? []))
        }
    }

    /// Claims up to `limit` jobs whose status call is due, marking them `polling` and moving
    /// their due time to the claim's lapse (`PollClaim.lapse`), so they are not claimed again
    /// while their call is in flight; the answer clears both and sets the next time.
    /// One runner holds a SQLite store (its run lock), so `runID` is not recorded.
    public func claimDuePolls(limit: Int, batch: String?, runID: String) async throws(StoreError) -> [PollClaim] {
        let now = StoreClock.millis()
        return try await write { db in
            let batchCondition = batch == nil ? "" : " AND batch_id = \(StoreSQL.batchNamed)"
            let arguments: StatementArguments = [now + PollClaim.lapse, now] + (batch.map { [$0] } ?? []) + [limit]
            return try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE jobs SET polling = 1, next_poll_at = ?
                        WHERE id IN (SELECT id FROM jobs WHERE next_poll_at <= ?\(batchCondition)
                                     ORDER BY next_poll_at LIMIT ?)
                        RETURNING id, request_id, poll_count, state IN \(StoreSQL.finalStates) AS final
                        """), arguments: arguments
            ).compactMap { row in
                guard let requestID: String = row["request_id"] else { return nil }
                return PollClaim(
                    jobID: row["id"], requestID: requestID, pollCount: row["poll_count"], isFinal: row["final"])
            }
        }
    }

    /// Applies status answers, several per transaction. The state moves only where the state
    /// machine allows (a conditional UPDATE, so check and write are one statement); the cost,
    /// the result URL and the error are kept from whichever answer brings them first.
    /// A job that is final and has its cost stops being polled.
    ///
    /// A final job is polled once for its cost and then never again, whatever the answer says.
    /// A 404 is counted on the job (across runs); when `unknownRule` applies, a job in flight
    /// ends FAILED and a final one stops waiting for its cost. Returns the jobs failed that way.
    @discardableResult
    public func recordPollResults(_ results: [PollResult]) async throws(StoreError) -> [Int64] {
        guard !results.isEmpty else { return [] }
        return try await write { db in
            var failedUnknown: [Int64] = []
            for result in results {
                if result.notFound {
                    if try Self.recordNotFound(result, in: db) { failedUnknown.append(result.claim.jobID) }
                    continue
                }
                guard let answer = result.answer else {
                    try db.cachedStatement(
                        sql: "UPDATE jobs SET polling = 0, next_poll_at = ? WHERE id = ? AND next_poll_at IS NOT NULL"
                    ).execute(arguments: [result.nextPollAt, result.claim.jobID])
                    continue
                }
                if let state = answer.state, state != .pending {
                    let allowed = JobState.predecessors(of: state).map { "'\($0.rawValue)'" }.joined(separator: ", ")
                    try db.cachedStatement(
                        sql: """
                            UPDATE jobs SET state = ?,
                                   finished_at = CASE WHEN ? THEN \(StoreSQL.now) ELSE finished_at END,
                                   finished_by = CASE WHEN ? AND state != ? THEN 'poll' ELSE finished_by END
                            WHERE id = ? AND request_id = ? AND state IN (\(allowed))
                            """
                    ).execute(arguments: [
                        state.rawValue, state.isFinal, state.isFinal, state.rawValue,
                        result.claim.jobID, result.claim.requestID,
                    ])
                }
                try db.cachedStatement(
                    sql: """
                        UPDATE jobs SET cost = coalesce(?, cost),
                               result_url = coalesce(result_url, ?),
                               error = CASE WHEN state = 'FAILED' THEN coalesce(?, error, 'the API reported FAILED') ELSE error END,
                               poll_count = poll_count + 1, polling = 0, not_found_polls = 0, not_found_since = NULL,
                               next_poll_at = CASE WHEN state IN \(StoreSQL.finalStates) THEN NULL ELSE ? END,
                               updated_at = \(StoreSQL.now)
                        WHERE id = ? AND request_id = ?
                        """
                ).execute(arguments: [
                    answer.cost, answer.resultURL, answer.error, result.nextPollAt,
                    result.claim.jobID, result.claim.requestID,
                ])
            }
            return failedUnknown
        }
    }

    /// Counts a 404 on the job and applies the unknown-request rule; true when it failed the job.
    private static func recordNotFound(_ result: PollResult, in db: Database) throws -> Bool {
        let now = StoreClock.millis()
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE jobs SET not_found_polls = not_found_polls + 1, not_found_since = coalesce(not_found_since, ?),
                               polling = 0, poll_count = poll_count + 1,
                               next_poll_at = CASE WHEN state IN \(StoreSQL.finalStates) THEN NULL ELSE ? END,
                               updated_at = \(StoreSQL.now)
                        WHERE id = ? AND request_id = ?
                        RETURNING not_found_polls, not_found_since, state
                        """), arguments: [now, result.nextPollAt, result.claim.jobID, result.claim.requestID])
        else { return false }
        guard let rule = result.unknownRule, rule.mayFail else { return false }
        let polls: Int = row["not_found_polls"]
        let since: Int64 = row["not_found_since"]
        guard polls >= UnknownRequestRule.polls, now - since >= rule.afterMillis else { return false }
        let state = try UnknownStoredValue.decode(JobState.self, row, "state", jobID: result.claim.jobID)
        if state.isFinal {
            // Final already: only its cost is given up.
            try db.execute(
                sql: "UPDATE jobs SET cost_unknown = 1, next_poll_at = NULL WHERE id = ?", arguments: [result.claim.jobID])
            return false
        }
        try db.execute(
            sql: """
                UPDATE jobs SET state = 'FAILED', error = ?, cost_unknown = 1, next_poll_at = NULL,
                       finished_at = \(StoreSQL.now), finished_by = 'unknown-request', updated_at = \(StoreSQL.now)
                WHERE id = ? AND request_id = ? AND state NOT IN \(StoreSQL.finalStates)
                """,
            arguments: ["the API does not know request id \(result.claim.requestID)", result.claim.jobID, result.claim.requestID])
        return db.changesCount > 0
    }
}

extension SQLiteJobStore {
    /// Of `jobIDs`, those no longer unsubmitted: a webhook settled their doubt (or a poll or
    /// `retry` moved them), so the run need not wait for them any longer.
    public func settledJobs(_ jobIDs: [Int64]) async throws(StoreError) -> Set<Int64> {
        guard !jobIDs.isEmpty else { return [] }
        return try await read { db in
            let marks = Array(repeating: "?", count: jobIDs.count).joined(separator: ", ")
            return Set(
                try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM jobs WHERE id IN (\(marks))
                          AND NOT (state = 'PENDING' AND request_id IS NULL AND submitting = 1)
                        """, arguments: StatementArguments(jobIDs)))
        }
    }
}
