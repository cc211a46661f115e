import Foundation
import PostgresNIO

/// A run's submissions and polls, as on SQLite (`SQLiteJobStore+Runner`, whose doc comments
/// state the rules). What differs is how they are made safe between processes: submission
/// claims lock their rows before judging them (`PostgresJobStore+SubmissionBatch`), polls are
/// claimed with `FOR NO KEY UPDATE SKIP LOCKED` (two pollers never wait on each other nor take the
/// same job), and what keeps money from being spent twice (a claim before its POST, the request
/// id after it) commits with `synchronous_commit` on, while poll answers, which can be asked
/// again, do not wait for the disk.
extension PostgresJobStore {
    /// Reserves the next unsubmitted jobs of the run's scope for this run (`submitting_run`)
    /// and returns them in id order: the jobs no live run of another holds, this run's own
    /// reservations, and those a runner whose lease lapsed left (in doubt or not), skipping
    /// rows another runner is reserving right now (`SKIP LOCKED`). Runners that share the store
    /// thus read different jobs instead of racing for the same ones at their claims, which
    /// re-check each job. The rows are locked `FOR NO KEY UPDATE`, the lock an UPDATE takes:
    /// `FOR UPDATE` would also conflict with the key-share locks that another run's `beginRun`
    /// holds on every job of its scope (its `run_scope` rows reference them) until it commits,
    /// and a read skipping every row would look like a scope with nothing left to submit. A reservation is lost with the run's lease or given back by `endRun`;
    /// it commits without waiting for the disk (a lost one is only read again).
    public func unsubmittedJobs(runID: String, afterID: Int64, limit: Int) async throws(StoreError) -> [SubmissionClaim] {
        try await write(durable: false) { [self] connection in
            try await rows(
                """
                WITH picked AS (
                    SELECT j.id FROM run_scope s JOIN jobs j ON j.id = s.job_id
                    WHERE s.run_id = \(runID) AND NOT s.cost_only AND j.id > \(afterID) AND j.state = 'PENDING'
                      AND j.request_id IS NULL
                      AND (j.submitting_run IS NULL OR (j.submitting_run = \(runID) AND NOT j.submitting)
                           OR (j.submitting_run <> \(runID) AND NOT EXISTS (
                               SELECT 1 FROM runs r WHERE r.id = j.submitting_run AND \(unescaped: PGSQL.runIsLive("r")))))
                    ORDER BY j.id LIMIT \(Int64(limit))
                    FOR NO KEY UPDATE OF j SKIP LOCKED)
                UPDATE jobs AS j SET submitting_run = \(runID) FROM picked WHERE j.id = picked.id
                RETURNING j.id, j.url, j.mode
                """, on: connection
            ).map { row in
                let (id, url, mode) = try row.decode((Int64, String, String).self)
                return SubmissionClaim(jobID: id, url: url, mode: try decode(Mode.self, mode, column: "mode", jobID: id))
            }.sorted { $0.jobID < $1.jobID }
        }
    }

    /// The claims of the slots free together, in one statement (`claimSubmissionBatch`).
    public func claimSubmissions(
        jobIDs: [Int64], runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String?
    ) async throws(StoreError) -> [SubmissionClaimResult] {
        guard !jobIDs.isEmpty else { return [] }
        let now = StoreClock.millis()
        return try await writeOneStatement { [self] connection in
            try await claimSubmissionBatch(
                jobIDs: jobIDs, runID: runID, webhookOfOurs: webhookOfOurs, doubtWait: doubtWait, account: account,
                now: now, on: connection)
        }
    }

    /// The request ids that arrived together, in one statement per run of distinct jobs
    /// (`recordSubmittedBatch`): an UPDATE ... FROM changes a row once.
    public func recordSubmitted(_ requests: [SubmittedRequest]) async throws(StoreError) {
        guard !requests.isEmpty else { return }
        let segments = Self.segmentsNamingEachJobOnce(requests, jobID: \.jobID)
        if segments.count == 1 {
            try await writeOneStatement { [self] connection in try await recordSubmittedBatch(requests, on: connection) }
            return
        }
        try await write(durable: true) { [self] connection in
            for segment in segments { try await recordSubmittedBatch(segment, on: connection) }
        }
    }

    public func recordSubmissionUnresolved(
        jobID: Int64, error: String, keepInDoubt: Bool, runID: String?
    ) async throws(StoreError) {
        try await write { [self] connection in
            try await execute(
                """
                UPDATE jobs SET submitting = \(keepInDoubt), error = \(error), updated_at = \(unescaped: PGSQL.now),
                       submitting_run = CASE WHEN \(keepInDoubt) THEN submitting_run END
                WHERE id = \(jobID) AND request_id IS NULL
                  AND (\(runID)::text IS NULL OR submitting_run IS NOT DISTINCT FROM \(runID))
                """, on: connection)
        }
    }

    public func recordRefused(jobIDs: [Int64], message: String) async throws(StoreError) {
        guard !jobIDs.isEmpty else { return }
        try await write { [self] connection in
            try await execute(
                """
                UPDATE jobs SET state = 'FAILED', submitting = false, submitting_run = NULL, error = \(message),
                       finished_at = \(unescaped: PGSQL.now), finished_by = 'refusal', updated_at = \(unescaped: PGSQL.now)
                WHERE id = ANY(\(jobIDs)) AND state = 'PENDING' AND request_id IS NULL
                """, on: connection)
        }
    }

    public func nextDuePoll(batch: String?) async throws(StoreError) -> Int64? {
        try await read { [self] connection in
            try await rows(
                """
                SELECT min(next_poll_at) FROM jobs
                WHERE next_poll_at IS NOT NULL AND \(batch: batch, column: "batch_id")
                """, on: connection
            ).first?.decode(Int64?.self) ?? nil
        }
    }

    /// Claims the due polls: `polling` set and `next_poll_at` moved to the claim's lapse
    /// (`PollClaim.lapse` says why), `FOR NO KEY UPDATE SKIP LOCKED` so two pollers never wait on each
    /// other nor take the same job. Sorted by the time each job was due, which the CTE keeps
    /// (RETURNING sees the new value).
    ///
    /// Each claim names its owner (`polling_run`), so the heartbeat of a live runner makes the
    /// claims of one whose lease lapsed due at once (`renewRun`); a claim lapses by itself no
    /// sooner than the owner's lease.
    public func claimDuePolls(limit: Int, batch: String?, runID: String) async throws(StoreError) -> [PollClaim] {
        let now = StoreClock.millis()
        return try await write(durable: false) { [self] connection in
            try await rows(
                """
                WITH due AS (
                    SELECT id, next_poll_at FROM jobs
                    WHERE next_poll_at <= \(now) AND \(batch: batch, column: "batch_id")
                    ORDER BY next_poll_at LIMIT \(Int64(limit)) FOR NO KEY UPDATE SKIP LOCKED)
                UPDATE jobs AS j SET polling = true, polling_run = \(runID),
                       next_poll_at = \(now) + greatest(\(PollClaim.lapse),
                                                       (SELECT lease_ms FROM runs WHERE id = \(runID)))
                FROM due WHERE j.id = due.id
                RETURNING j.id, j.request_id, j.poll_count, j.state IN \(unescaped: PGSQL.finalStates), due.next_poll_at
                """, on: connection
            ).compactMap { row -> (PollClaim, Int64)? in
                let (id, requestID, pollCount, final, due) = try row.decode((Int64, String?, Int, Bool, Int64).self)
                guard let requestID else { return nil }
                let claim = PollClaim(jobID: id, requestID: requestID, pollCount: pollCount, isFinal: final, owner: runID)
                return (claim, due)
            }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0.jobID < $1.0.jobID) }.map(\.0)
        }
    }

    /// The answers of one call in one transaction: the answered polls in one batched UPDATE
    /// and the unanswered in another (`PostgresJobStore+PollBatch`), the 404s one by one. An
    /// UPDATE ... FROM changes a row once, so a call that names a job twice is applied in
    /// segments, in order, each naming a job once.
    public func recordPollResults(_ results: [PollResult]) async throws(StoreError) -> [Int64] {
        guard !results.isEmpty else { return [] }
        let segments = Self.segmentsNamingEachJobOnce(results, jobID: \.claim.jobID)
        return try await write(durable: false) { [self] connection in
            var failedUnknown: [Int64] = []
            for segment in segments { failedUnknown += try await record(segment, on: connection) }
            return failedUnknown
        }
    }

    /// `items` cut, in order, into runs in which no job appears twice.
    static func segmentsNamingEachJobOnce<Item>(_ items: [Item], jobID: (Item) -> Int64) -> [[Item]] {
        var segments: [[Item]] = [[]]
        var seen = Set<Int64>()
        for item in items {
            if !seen.insert(jobID(item)).inserted {
                segments.append([])
                seen = [jobID(item)]
            }
            segments[segments.count - 1].append(item)
        }
        return segments
    }

    /// Applies answers that name each job once; returns the jobs failed as unknown requests.
    private func record(_ results: [PollResult], on connection: PostgresConnection) async throws -> [Int64] {
        var answered = PollAnswerColumns()
        var unanswered = PollAnswerColumns()
        var notFound: [PollResult] = []
        for result in results {
            if result.notFound {
                notFound.append(result)
            } else if let answer = result.answer {
                answered.append(result, answer: answer)
            } else {
                unanswered.appendUnanswered(result)
            }
        }
        try await applyPollAnswers(answered, on: connection)
        try await reschedulePolls(unanswered, on: connection)
        var failedUnknown: [Int64] = []
        for result in notFound {
            if try await recordNotFound(result, on: connection) { failedUnknown.append(result.claim.jobID) }
        }
        return failedUnknown
    }

    /// Counts a 404 on the job and applies the unknown-request rule; true when it failed the job.
    private func recordNotFound(_ result: PollResult, on connection: PostgresConnection) async throws -> Bool {
        let now = StoreClock.millis()
        let jobID = result.claim.jobID
        let requestID = result.claim.requestID
        let owner = result.claim.owner ?? ""
        guard
            let row = try await rows(
                """
                UPDATE jobs SET not_found_polls = not_found_polls + 1, not_found_since = coalesce(not_found_since, \(now)),
                       polling = CASE WHEN \(owner) = '' OR polling_run IS NOT DISTINCT FROM \(owner) THEN false ELSE polling END,
                       poll_count = poll_count + 1,
                       next_poll_at = CASE WHEN state IN \(unescaped: PGSQL.finalStates) THEN NULL
                                           WHEN \(owner) = '' OR polling_run IS NOT DISTINCT FROM \(owner)
                                           THEN \(result.nextPollAt) ELSE next_poll_at END,
                       updated_at = \(unescaped: PGSQL.now)
                WHERE id = \(jobID) AND request_id = \(requestID)
                RETURNING not_found_polls, not_found_since, state
                """, on: connection
            ).first
        else { return false }
        guard let rule = result.unknownRule, rule.mayFail else { return false }
        let (polls, since, stateText) = try row.decode((Int, Int64, String).self)
        guard polls >= UnknownRequestRule.polls, now - since >= rule.afterMillis else { return false }
        let state = try decode(JobState.self, stateText, column: "state", jobID: jobID)
        if state.isFinal {
            try await execute(
                "UPDATE jobs SET cost_unknown = true, next_poll_at = NULL WHERE id = \(jobID)", on: connection)
            return false
        }
        let failed = try await rows(
            """
            UPDATE jobs SET state = 'FAILED', error = \("the API does not know request id \(requestID)"), cost_unknown = true,
                   next_poll_at = NULL, finished_at = \(unescaped: PGSQL.now), finished_by = 'unknown-request',
                   updated_at = \(unescaped: PGSQL.now)
            WHERE id = \(jobID) AND request_id = \(requestID) AND state NOT IN \(unescaped: PGSQL.finalStates)
            RETURNING id
            """, on: connection)
        return !failed.isEmpty
    }

    public func settledJobs(_ jobIDs: [Int64]) async throws(StoreError) -> Set<Int64> {
        guard !jobIDs.isEmpty else { return [] }
        return try await read { [self] connection in
            Set(
                try await rows(
                    """
                    SELECT id FROM jobs WHERE id = ANY(\(jobIDs))
                      AND NOT (state = 'PENDING' AND request_id IS NULL AND submitting)
                    """, on: connection
                ).map { try $0.decode(Int64.self) })
        }
    }
}
