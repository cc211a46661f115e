import PostgresNIO

/// Duplicate attempts owed their one cost poll, as on SQLite (`SQLiteJobStore+DuplicateAttempts`).
extension PostgresJobStore {
    public func duplicateAttemptsToPoll(batch: String?) async throws(StoreError) -> [AttemptPollClaim] {
        try await read { [self] connection in
            try await rows(
                """
                SELECT a.id, a.job_id, a.request_id FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                WHERE a.next_poll_at IS NOT NULL AND a.reason = 'duplicate' AND a.request_id IS NOT NULL
                  AND \(batch: batch, column: "j.batch_id")
                ORDER BY a.id
                """, on: connection
            ).map { row in
                let (id, jobID, requestID) = try row.decode((Int64, Int64, String).self)
                return AttemptPollClaim(attemptID: id, jobID: jobID, requestID: requestID)
            }
        }
    }

    public func recordDuplicateAttemptPoll(
        _ claim: AttemptPollClaim, answer: StatusAnswer?, notFound: Bool
    ) async throws(StoreError) {
        try await write(durable: false) { [self] connection in
            if let answer {
                try await execute(
                    """
                    UPDATE job_attempts SET cost = coalesce(\(answer.cost), cost),
                           state = coalesce(\(answer.state?.rawValue), state),
                           result_url = coalesce(result_url, \(answer.resultURL)), error = coalesce(\(answer.error), error),
                           finished_at = CASE WHEN \(answer.state?.isFinal ?? false)
                                              THEN coalesce(finished_at, \(unescaped: PGSQL.now)) ELSE finished_at END,
                           next_poll_at = NULL
                    WHERE id = \(claim.attemptID)
                    """, on: connection)
            } else if notFound {
                try await execute(
                    """
                    UPDATE job_attempts SET next_poll_at = NULL,
                           error = \("the API does not know request id \(claim.requestID)")
                    WHERE id = \(claim.attemptID)
                    """, on: connection)
            }
        }
    }
}
