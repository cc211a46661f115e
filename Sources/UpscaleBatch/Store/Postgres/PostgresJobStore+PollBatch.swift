import PostgresNIO

/// `recordPollResults` on PostgreSQL in a few statements per call instead of two per job: the
/// answers become column arrays and ONE `UPDATE ... FROM unnest(...)` applies them all, so a
/// call of 64 answers costs one round trip where it cost 128 (404s stay one by one: their rule
/// reads counts back). The state moves only from a predecessor the Model allows
/// (`JobState.predecessors`, computed here in Swift and sent as text, so the Model stays the
/// one judge), and every other column is computed from the state after that move.
extension PostgresJobStore {
    /// Poll answers as the arrays the batched UPDATE unnests. Arrays of optionals are not
    /// encodable by postgres-nio, so each optional column travels with a "has" flag array.
    struct PollAnswerColumns {
        var ids: [Int64] = []
        var requestIDs: [String] = []
        /// The answer's state, "" when it names none (or PENDING: no move).
        var states: [String] = []
        /// The states it may move from, comma-separated.
        var allowed: [String] = []
        var costs: [Int64] = []
        var hasCost: [Bool] = []
        var resultURLs: [String] = []
        var hasResultURL: [Bool] = []
        var errors: [String] = []
        var hasError: [Bool] = []
        var nextPollAt: [Int64] = []
        /// The claim's owner, "" when it names none (then the answer ends any claim).
        var owners: [String] = []

        mutating func append(_ result: PollResult, answer: StatusAnswer) {
            ids.append(result.claim.jobID)
            owners.append(result.claim.owner ?? "")
            requestIDs.append(result.claim.requestID)
            if let state = answer.state, state != .pending {
                states.append(state.rawValue)
                allowed.append(JobState.predecessors(of: state).map(\.rawValue).joined(separator: ","))
            } else {
                states.append("")
                allowed.append("")
            }
            costs.append(answer.cost ?? 0)
            hasCost.append(answer.cost != nil)
            resultURLs.append(answer.resultURL ?? "")
            hasResultURL.append(answer.resultURL != nil)
            errors.append(answer.error ?? "")
            hasError.append(answer.error != nil)
            nextPollAt.append(result.nextPollAt)
        }

        /// A poll that brought no usable answer: only its schedule (the rest stays empty).
        mutating func appendUnanswered(_ result: PollResult) {
            ids.append(result.claim.jobID)
            owners.append(result.claim.owner ?? "")
            nextPollAt.append(result.nextPollAt)
        }
    }

    /// Whether the answer's claim is the job's current one (`PollClaim.owner`).
    static let claimHeld = "(v.owner = '' OR j.polling_run IS NOT DISTINCT FROM v.owner)"

    /// Applies every answer in `columns` with one statement, on `connection`'s transaction.
    func applyPollAnswers(_ columns: PollAnswerColumns, on connection: PostgresConnection) async throws {
        guard !columns.ids.isEmpty else { return }
        // Whether the answer moves the job: it names a state, and the job is in a predecessor.
        let moves = "(v.state <> '' AND j.state = ANY(string_to_array(v.allowed, ',')))"
        let newState = "(CASE WHEN \(moves) THEN v.state ELSE j.state END)"
        try await execute(
            """
            UPDATE jobs AS j SET
                state = \(unescaped: newState),
                finished_at = CASE WHEN \(unescaped: moves) AND v.state IN \(unescaped: PGSQL.finalStates)
                                   THEN \(unescaped: PGSQL.now) ELSE j.finished_at END,
                finished_by = CASE WHEN \(unescaped: moves) AND v.state IN \(unescaped: PGSQL.finalStates)
                                        AND j.state <> v.state THEN 'poll' ELSE j.finished_by END,
                cost = CASE WHEN v.has_cost THEN v.cost ELSE j.cost END,
                result_url = coalesce(j.result_url, CASE WHEN v.has_result_url THEN v.result_url END),
                error = CASE WHEN \(unescaped: newState) = 'FAILED'
                             THEN coalesce(CASE WHEN v.has_error THEN v.error END, j.error, 'the API reported FAILED')
                             ELSE j.error END,
                poll_count = j.poll_count + 1, not_found_polls = 0, not_found_since = NULL,
                polling = CASE WHEN \(unescaped: Self.claimHeld) THEN false ELSE j.polling END,
                next_poll_at = CASE WHEN \(unescaped: newState) IN \(unescaped: PGSQL.finalStates) THEN NULL
                                    WHEN \(unescaped: Self.claimHeld) THEN v.next_poll_at ELSE j.next_poll_at END,
                updated_at = \(unescaped: PGSQL.now)
            FROM unnest(\(columns.ids), \(columns.requestIDs), \(columns.states), \(columns.allowed),
                        \(columns.costs), \(columns.hasCost), \(columns.resultURLs), \(columns.hasResultURL),
                        \(columns.errors), \(columns.hasError), \(columns.nextPollAt), \(columns.owners))
                 AS v(id, request_id, state, allowed, cost, has_cost, result_url, has_result_url, error, has_error,
                      next_poll_at, owner)
            WHERE j.id = v.id AND j.request_id = v.request_id
            """, on: connection)
    }

    /// Reschedules the polls that brought no usable answer, with one statement: those whose
    /// claim is still the job's.
    func reschedulePolls(_ columns: PollAnswerColumns, on connection: PostgresConnection) async throws {
        guard !columns.ids.isEmpty else { return }
        try await execute(
            """
            UPDATE jobs AS j SET polling = false, next_poll_at = v.next_poll_at
            FROM unnest(\(columns.ids), \(columns.nextPollAt), \(columns.owners)) AS v(id, next_poll_at, owner)
            WHERE j.id = v.id AND j.next_poll_at IS NOT NULL AND \(unescaped: Self.claimHeld)
            """, on: connection)
    }
}
