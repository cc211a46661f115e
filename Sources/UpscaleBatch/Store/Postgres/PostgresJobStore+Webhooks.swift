import Foundation
import PostgresNIO

/// Each webhook recorded in one short transaction of its own, with the SQLite engine's rules
/// (`SQLiteJobStore+Webhooks` states them). The matched job's row is locked first
/// (`FOR UPDATE`), so a poll, a claim or another receiver's webhook for the same job waits for
/// this one and then sees what it did: a webhook delivered to two hosts is recorded once.
///
/// Webhooks that arrived together are not put in one transaction here, unlike on SQLite: its
/// row locks would be held until the last of them, and two receivers locking the same jobs in
/// another order would deadlock (the server would then abort one group, every webhook of it
/// answered 503).
extension PostgresJobStore {
    private struct MatchedJob {
        var id: Int64
        var state: JobState
        var requestID: String?
        var hasResult: Bool
        var submitting: Bool
    }

    /// Each webhook in its own transaction, several at once over the pool's connections.
    public var recordsWebhooksTogether: Bool { false }

    public func recordWebhooks(
        _ webhooks: [ReceivedWebhook], busyTimeout: TimeInterval?
    ) async throws(StoreError) -> [WebhookOutcome] {
        var outcomes: [WebhookOutcome] = []
        for webhook in webhooks { outcomes.append(try await record(webhook, busyTimeout: busyTimeout)) }
        return outcomes
    }

    private func record(_ webhook: ReceivedWebhook, busyTimeout: TimeInterval?) async throws(StoreError) -> WebhookOutcome {
        let (jobID, requestID, status, resultURL) = (webhook.jobID, webhook.requestID, webhook.status, webhook.resultURL)
        let isSuccess = webhook.isSuccess
        let now = StoreClock.millis()
        // A webhook's sender will not wait long: bound the wait for a row another process holds.
        let lockTimeout = busyTimeout.map { "\(max(1, Int($0 * 1000)))ms" } ?? "0"
        return try await write { [self] connection in
            try await execute("SET LOCAL lock_timeout = '\(unescaped: lockTimeout)'", on: connection)
            if let job = try await fetchJob(byRequest: requestID, on: connection) {
                guard isSuccess else { return .ignored(jobID: job.id) }
                return try await complete(job, resultURL: resultURL, now: now, on: connection)
            }
            guard let jobID, var job = try await fetchJob(byID: jobID, on: connection) else { return .unknownJob }
            // The same webhook delivered twice at once: the look by request id found nothing
            // before the other delivery committed, and the row lock waited for it. The request
            // is the job's now, recorded once.
            if job.requestID == requestID {
                guard isSuccess else { return .ignored(jobID: job.id) }
                return try await complete(job, resultURL: resultURL, now: now, on: connection)
            }
            if job.requestID == nil && !job.submitting { return .noSubmission(jobID: job.id) }
            let known =
                try await rows(
                    "SELECT EXISTS (SELECT 1 FROM job_attempts WHERE job_id = \(job.id) AND request_id = \(requestID))",
                    on: connection
                ).first?.decode(Bool.self) ?? false
            if known {
                if isSuccess {
                    try await execute(
                        """
                        UPDATE job_attempts SET result_url = \(resultURL),
                               state = CASE WHEN reason = 'duplicate' THEN 'COMPLETED' ELSE state END
                        WHERE job_id = \(job.id) AND request_id = \(requestID) AND result_url IS NULL
                        """, on: connection)
                }
                return .alreadyRecorded(jobID: job.id)
            }
            if job.requestID == nil {
                try await execute(
                    """
                    UPDATE jobs SET request_id = \(requestID), submitting = false, submitting_run = NULL, error = NULL,
                           submitted_at = coalesce(submitted_at, \(unescaped: PGSQL.now)), next_poll_at = \(now),
                           poll_count = 0, updated_at = \(unescaped: PGSQL.now)
                    WHERE id = \(job.id) AND request_id IS NULL
                    """, on: connection)
                job.requestID = requestID
                guard isSuccess else { return .adopted(jobID: job.id) }
                return try await complete(job, resultURL: resultURL, now: now, on: connection)
            }
            let state: JobState = isSuccess ? .completed : status.lowercased() == "failed" ? .failed : .inProgress
            try await execute(
                """
                INSERT INTO job_attempts (job_id, request_id, state, result_url, possible_duplicate,
                                          archived_at, reason, next_poll_at)
                VALUES (\(job.id), \(requestID), \(state.rawValue), \(isSuccess ? resultURL : nil), true,
                        \(unescaped: PGSQL.now), 'duplicate', \(now))
                """, on: connection)
            try await execute(
                """
                UPDATE jobs SET possible_duplicate = true, updated_at = \(unescaped: PGSQL.now)
                WHERE id = \(job.id) AND NOT possible_duplicate
                """, on: connection)
            return .duplicateAttempt(jobID: job.id)
        }
    }

    private func complete(
        _ job: MatchedJob, resultURL: String?, now: Int64, on connection: PostgresConnection
    ) async throws -> WebhookOutcome {
        let from = JobState.predecessors(of: .completed).filter { $0 != .completed }
        if from.contains(job.state) {
            let states = from.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let moved = try await rows(
                """
                UPDATE jobs SET state = 'COMPLETED', result_url = coalesce(result_url, \(resultURL)),
                       finished_at = \(unescaped: PGSQL.now), finished_by = 'webhook',
                       next_poll_at = CASE WHEN polling THEN next_poll_at WHEN cost IS NULL THEN \(now) ELSE NULL END,
                       updated_at = \(unescaped: PGSQL.now)
                WHERE id = \(job.id) AND state IN (\(unescaped: states))
                RETURNING id
                """, on: connection)
            if !moved.isEmpty { return .completed(jobID: job.id) }
        }
        if !job.hasResult {
            try await execute(
                """
                UPDATE jobs SET result_url = \(resultURL), updated_at = \(unescaped: PGSQL.now)
                WHERE id = \(job.id) AND result_url IS NULL
                """, on: connection)
        }
        return .alreadyRecorded(jobID: job.id)
    }

    private func fetchJob(byRequest requestID: String, on connection: PostgresConnection) async throws -> MatchedJob? {
        try await matched(
            rows(
                """
                SELECT id, state, request_id, submitting, result_url IS NOT NULL FROM jobs
                WHERE request_id = \(requestID) ORDER BY id LIMIT 1 FOR UPDATE
                """, on: connection))
    }

    private func fetchJob(byID id: Int64, on connection: PostgresConnection) async throws -> MatchedJob? {
        try await matched(
            rows(
                "SELECT id, state, request_id, submitting, result_url IS NOT NULL FROM jobs WHERE id = \(id) FOR UPDATE",
                on: connection))
    }

    private func matched(_ found: [PostgresRow]) throws -> MatchedJob? {
        guard let row = found.first else { return nil }
        let (id, state, requestID, submitting, hasResult) = try row.decode((Int64, String, String?, Bool, Bool).self)
        return MatchedJob(
            id: id, state: try decode(JobState.self, state, column: "state", jobID: id), requestID: requestID,
            hasResult: hasResult, submitting: submitting)
    }
}
