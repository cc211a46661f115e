import Foundation
import GRDB

/// A job the runner is about to submit.
public struct SubmissionClaim: Sendable, Equatable {
    public var jobID: Int64
    public var url: String
    public var mode: Mode
}

/// A job whose status call is due.
public struct PollClaim: Sendable, Equatable {
    public var jobID: Int64
    public var requestID: String
    public var pollCount: Int
}

/// What a status answer did to a job, for the runner's counters.
public struct PollResult: Sendable {
    public var claim: PollClaim
    /// nil when the call brought no usable answer: only the next poll time changes.
    public var answer: StatusAnswer?
    /// When to ask again if the job still needs polling (Unix ms).
    public var nextPollAt: Int64
}

extension JobStore {
    /// Marks a run's scope: every job (of `batch`) that is not final gets `run_id`. Jobs in
    /// flight without a poll time, and final jobs that still lack their cost, are made due,
    /// so a restarted run resumes every schedule. Returns the number of jobs in scope.
    public func beginRun(runID: String, batch: String?) throws(StoreError) -> Int {
        try write { db in
            let batchCondition = batch == nil ? "" : " AND batch_id = (SELECT id FROM batches WHERE name = ?)"
            let batchArguments: StatementArguments = batch.map { [$0] } ?? []
            try db.execute(
                sql: "UPDATE jobs SET run_id = ? WHERE state NOT IN \(StoreSQL.finalStates)\(batchCondition)",
                arguments: [runID] + batchArguments)
            let scope = db.changesCount
            // Status calls left in flight by a run that died are owed again now.
            try db.execute(
                sql: "UPDATE jobs SET polling = 0, next_poll_at = min(next_poll_at, ?) WHERE polling = 1",
                arguments: [StoreClock.millis()])
            try db.execute(
                sql: """
                    UPDATE jobs SET next_poll_at = ?
                    WHERE next_poll_at IS NULL AND request_id IS NOT NULL
                      AND (state NOT IN \(StoreSQL.finalStates) OR cost IS NULL)\(batchCondition)
                    """,
                arguments: [StoreClock.millis()] + batchArguments)
            return scope
        }
    }

    /// The next unsubmitted jobs of the run's scope after `afterID`, in id order. A read: the
    /// run lock makes this process the only submitter, and `markSubmitting` re-checks each job.
    public func unsubmittedJobs(runID: String, afterID: Int64, limit: Int) throws(StoreError) -> [SubmissionClaim] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, url, mode FROM jobs
                    WHERE run_id = ? AND id > ? AND state = 'PENDING' AND request_id IS NULL
                    ORDER BY id LIMIT ?
                    """, arguments: [runID, afterID, limit]
            ).map { SubmissionClaim(jobID: $0["id"], url: $0["url"], mode: Mode(rawValue: $0["mode"]) ?? .fast) }
        }
    }

    /// Records a submission attempt before its POST is sent, in its own transaction: after a
    /// crash, `submitting = 1` says a request may exist that we cannot name. If the previous
    /// attempt was left that way, this one is a possible duplicate charge. Returns nil when the
    /// job is no longer unsubmitted (a webhook or another process moved it), else whether this
    /// attempt is a possible duplicate.
    public func markSubmitting(jobID: Int64) throws(StoreError) -> Bool? {
        try write { db in
            try Bool.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE jobs SET submitting = 1, attempts = attempts + 1,
                               possible_duplicate = (possible_duplicate OR submitting), updated_at = \(StoreSQL.now)
                        WHERE id = ? AND state = 'PENDING' AND request_id IS NULL
                        RETURNING possible_duplicate
                        """), arguments: [jobID])
        }
    }

    /// Records the request id the moment /queue answered, in its own transaction.
    public func recordSubmitted(jobID: Int64, requestID: String, firstPollAt: Int64) throws(StoreError) {
        try write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET request_id = coalesce(request_id, ?), submitting = 0, error = NULL,
                           submitted_at = \(StoreSQL.now), next_poll_at = ?, poll_count = 0, updated_at = \(StoreSQL.now)
                    WHERE id = ?
                    """
            ).execute(arguments: [requestID, firstPollAt, jobID])
        }
    }

    /// A submission that ended without a request id. `keepInDoubt` keeps `submitting = 1`
    /// (an ambiguous answer: the API may have created a request); otherwise the attempt is
    /// cleared and the job stays unsubmitted with `error` as its last error.
    public func recordSubmissionUnresolved(jobID: Int64, error: String, keepInDoubt: Bool) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET submitting = ?, error = ?, updated_at = \(StoreSQL.now)
                    WHERE id = ? AND request_id IS NULL
                    """, arguments: [keepInDoubt, error, jobID])
        }
    }

    /// The API refused these jobs: each ends FAILED with the API's message.
    public func recordRefused(jobIDs: [Int64], message: String) throws(StoreError) {
        guard !jobIDs.isEmpty else { return }
        try write { db in
            for id in jobIDs {
                try db.execute(
                    sql: """
                        UPDATE jobs SET state = 'FAILED', submitting = 0, error = ?, finished_at = \(StoreSQL.now),
                               finished_by = 'refusal', updated_at = \(StoreSQL.now)
                        WHERE id = ? AND state = 'PENDING' AND request_id IS NULL
                        """, arguments: [message, id])
            }
        }
    }

    /// Claims up to `limit` jobs whose status call is due, marking them `polling` so they are
    /// not claimed twice while their call is in flight; the answer clears it and sets the next time.
    public func claimDuePolls(limit: Int, batch: String?) throws(StoreError) -> [PollClaim] {
        let now = StoreClock.millis()
        return try write { db in
            let batchCondition = batch == nil ? "" : " AND batch_id = (SELECT id FROM batches WHERE name = ?)"
            let arguments: StatementArguments = [now] + (batch.map { [$0] } ?? []) + [limit]
            return try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE jobs SET polling = 1
                        WHERE id IN (SELECT id FROM jobs WHERE next_poll_at <= ? AND polling = 0\(batchCondition)
                                     ORDER BY next_poll_at LIMIT ?)
                        RETURNING id, request_id, poll_count
                        """), arguments: arguments
            ).compactMap { row in
                guard let requestID: String = row["request_id"] else { return nil }
                return PollClaim(jobID: row["id"], requestID: requestID, pollCount: row["poll_count"])
            }
        }
    }

    /// Applies status answers, several per transaction. The state moves only where the state
    /// machine allows (a conditional UPDATE, so check and write are one statement); the cost,
    /// the result URL and the error are kept from whichever answer brings them first.
    /// A job that is final and has its cost stops being polled.
    public func recordPollResults(_ results: [PollResult]) throws(StoreError) {
        guard !results.isEmpty else { return }
        try write { db in
            for result in results {
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
                               poll_count = poll_count + 1, polling = 0,
                               next_poll_at = CASE WHEN state IN \(StoreSQL.finalStates) AND coalesce(?, cost) IS NOT NULL
                                                   THEN NULL ELSE ? END,
                               updated_at = \(StoreSQL.now)
                        WHERE id = ? AND request_id = ?
                        """
                ).execute(arguments: [
                    answer.cost, answer.resultURL, answer.error, answer.cost, result.nextPollAt,
                    result.claim.jobID, result.claim.requestID,
                ])
            }
        }
    }

    /// Ends FAILED every job of the run that has been in flight since before `cutoff`.
    public func failTimedOut(runID: String, submittedBefore cutoff: Date, reason: String) throws(StoreError) -> Int {
        let cutoffText = ISO8601DateFormatter.store.string(from: cutoff)
        return try write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'FAILED', error = ?, finished_at = \(StoreSQL.now), finished_by = 'timeout',
                           next_poll_at = CASE WHEN cost IS NULL THEN next_poll_at ELSE NULL END, updated_at = \(StoreSQL.now)
                    WHERE run_id = ? AND request_id IS NOT NULL AND state NOT IN \(StoreSQL.finalStates) AND submitted_at < ?
                    """, arguments: [reason, runID, cutoffText])
            return db.changesCount
        }
    }

    /// What still keeps a run going: jobs of its scope in flight, and jobs waiting for a poll.
    public func runOutstanding(runID: String, batch: String?) throws(StoreError) -> (inFlight: Int, awaitingPoll: Int) {
        try read { db in
            let inFlight =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM jobs WHERE run_id = ? AND request_id IS NOT NULL AND state NOT IN \(StoreSQL.finalStates)
                        """, arguments: [runID]) ?? 0
            let batchCondition = batch == nil ? "" : " AND batch_id = (SELECT id FROM batches WHERE name = ?)"
            let awaiting =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM jobs WHERE next_poll_at IS NOT NULL\(batchCondition)",
                    arguments: batch.map { [$0] } ?? []) ?? 0
            return (inFlight, awaiting)
        }
    }

    /// How many jobs of the run a webhook finished: the sign that webhooks arrive.
    public func webhookCompletions(runID: String) throws(StoreError) -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM jobs WHERE run_id = ? AND finished_by = 'webhook'", arguments: [runID]) ?? 0
        }
    }
}

extension ISO8601DateFormatter {
    /// The store's timestamp format: `2026-11-25T03:00:00.123Z`.
    static var store: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
