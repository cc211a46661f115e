import GRDB

extension SQLiteJobStore {
    /// Moves FAILED jobs (of `batch`, when given) back to PENDING so the next run submits them
    /// again. What the API said about the failed attempt (request id, cost, result, error) is
    /// first copied to `job_attempts`, so no quoted cost is forgotten. One transaction.
    /// Returns how many jobs were moved.
    @discardableResult
    public func retryFailed(batch: String? = nil) async throws(StoreError) -> Int {
        precondition(JobState.failed.isFinal && !JobState.failed.canMove(to: .pending))
        return try await write { db in
            var condition = "state = 'FAILED'"
            var arguments: StatementArguments = []
            if let batch {
                condition += " AND batch_id = \(StoreSQL.batchNamed)"
                arguments = [batch]
            }
            try db.execute(
                sql: """
                    INSERT INTO job_attempts (job_id, request_id, state, cost, result_url, error,
                                              possible_duplicate, submitted_at, finished_at, archived_at, reason)
                    SELECT id, request_id, state, cost, result_url, error, possible_duplicate, submitted_at, finished_at,
                           \(StoreSQL.now), 'retry'
                    FROM jobs WHERE \(condition)
                    """, arguments: arguments)
            // A job moved back is for the next run: it leaves the scope of any run under way.
            try db.execute(
                sql: "DELETE FROM run_scope WHERE job_id IN (SELECT id FROM jobs WHERE \(condition))", arguments: arguments)
            // FAILED -> PENDING is the one move back the state machine allows, and only here.
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'PENDING', request_id = NULL, cost = NULL, result_url = NULL,
                           error = NULL, submitting = 0, submitting_run = NULL, possible_duplicate = 0,
                           next_poll_at = NULL, polling = 0, not_found_polls = 0, not_found_since = NULL, cost_unknown = 0,
                           attempt_webhook = 0, attempt_sent_at = NULL,
                           poll_count = 0, submitted_at = NULL, finished_at = NULL, finished_by = NULL,
                           updated_at = \(StoreSQL.now)
                    WHERE \(condition)
                    """, arguments: arguments)
            return db.changesCount
        }
    }
}
