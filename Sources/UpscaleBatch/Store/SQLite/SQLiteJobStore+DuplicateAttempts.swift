import GRDB

extension SQLiteJobStore {
    /// The duplicate attempts (of jobs of `batch`) still owed their cost poll.
    public func duplicateAttemptsToPoll(batch: String?) async throws(StoreError) -> [AttemptPollClaim] {
        try await read { db in
            let batchCondition =
                batch == nil
                ? "" : " AND a.job_id IN (SELECT id FROM jobs WHERE batch_id = \(StoreSQL.batchNamed))"
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.job_id, a.request_id FROM job_attempts a
                    WHERE a.next_poll_at IS NOT NULL AND a.reason = 'duplicate' AND a.request_id IS NOT NULL\(batchCondition)
                    ORDER BY a.id
                    """, arguments: StatementArguments(batch.map { [$0] } ?? [])
            ).map { AttemptPollClaim(attemptID: $0["id"], jobID: $0["job_id"], requestID: $0["request_id"]) }
        }
    }

    /// Records the one poll of a duplicate attempt: its cost, state and result when `answer`
    /// brings them. `answer` nil with `notFound` (the API does not know it): its cost is given up.
    /// Either way it is not polled again.
    public func recordDuplicateAttemptPoll(
        _ claim: AttemptPollClaim, answer: StatusAnswer?, notFound: Bool
    ) async throws(StoreError) {
        try await write { db in
            if let answer {
                try db.execute(
                    sql: """
                        UPDATE job_attempts SET cost = coalesce(?, cost), state = coalesce(?, state),
                               result_url = coalesce(result_url, ?), error = coalesce(?, error),
                               finished_at = CASE WHEN ? THEN coalesce(finished_at, \(StoreSQL.now)) ELSE finished_at END,
                               next_poll_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [
                        answer.cost, answer.state?.rawValue, answer.resultURL, answer.error,
                        answer.state?.isFinal ?? false, claim.attemptID,
                    ])
            } else if notFound {
                try db.execute(
                    sql: "UPDATE job_attempts SET next_poll_at = NULL, error = ? WHERE id = ?",
                    arguments: ["the API does not know request id \(claim.requestID)", claim.attemptID])
            }
        }
    }
}
