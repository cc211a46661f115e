import PostgresNIO
import Synchronization

/// An error thrown by `forEachJob`'s body, carried out unchanged.
private struct BodyFailure: Error {
    var error: any Error
}

/// Reading jobs: `list` streamed in flat memory, one job, the status counts, batch names.
extension PostgresJobStore {
    static let jobColumns = """
        j.id, b.name, j.url, j.mode, j.state, j.request_id, j.cost, j.result_url, j.error, j.attempts, j.possible_duplicate
        """

    /// Pages through the rows with a cursor in one snapshot, so a million jobs list in flat
    /// memory.
    public func forEachJob(_ filter: JobFilter, _ body: @Sendable (Job) throws -> Void) async throws {
        do {
            let limit = filter.limit.map(Int64.init)
            let query: PostgresQuery = """
                SELECT \(unescaped: Self.jobColumns)
                FROM jobs j JOIN batches b ON b.id = j.batch_id
                WHERE (\(filter.state?.rawValue)::text IS NULL OR j.state = \(filter.state?.rawValue))
                  AND (\(filter.batch)::text IS NULL OR b.name = \(filter.batch))
                ORDER BY j.id LIMIT \(limit)
                """
            try await withoutActuallyEscaping(body) { body in
                // The call's work is a task that may outlive the call (`LeasedCall`), so it
                // reaches `body` through a relay that lets go of it before this block ends.
                let relay = JobRelay(body)
                defer { relay.close() }
                try await withLeasedConnection { [self] connection in
                    try await connection.inSnapshot(logger: logger) { connection in
                        try await connection.forEachRow(query, logger: logger) { row in
                            try relay.deliver(try makeJob(row))
                        }
                    }
                }
            }
        } catch let failure as BodyFailure {
            throw failure.error
        } catch {
            throw translate(error)
        }
    }

    public func job(id: Int64) async throws(StoreError) -> Job? {
        try await read { [self] connection in
            let found = try await rows(
                "SELECT \(unescaped: Self.jobColumns) FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.id = \(id)",
                on: connection)
            return try found.first.map(makeJob)
        }
    }

    func makeJob(_ row: PostgresRow) throws -> Job {
        let (id, batch, url, mode, state, requestID, cost, resultURL, error, attempts, duplicate) = try row.decode(
            (Int64, String, String, String, String, String?, Int64?, String?, String?, Int, Bool).self)
        return Job(
            id: id, batch: batch, url: url, mode: try decode(Mode.self, mode, column: "mode", jobID: id),
            state: try decode(JobState.self, state, column: "state", jobID: id), requestID: requestID, cost: cost,
            resultURL: resultURL, error: error, attempts: attempts, possibleDuplicate: duplicate)
    }

    public func statusSnapshot(batch: String?, runID: String?) async throws(StoreError) -> StatusSnapshot {
        let filter = ReportFilter(batch: batch, runID: runID)
        return try await readSnapshot { [self] connection in
            var duplicates: [String: Int64] = [:]
            for row in try await rows(
                """
                SELECT j.state, sum(a.cost)::bigint
                FROM job_attempts a JOIN jobs j ON j.id = a.job_id
                WHERE a.reason = 'duplicate' AND a.cost IS NOT NULL AND \(filter: filter, day: "NULL")
                GROUP BY 1
                """, on: connection)
            {
                let (state, cost) = try row.decode((String, Int64).self)
                duplicates[state, default: 0] += cost
            }
            var snapshot = StatusSnapshot(
                counts: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) }),
                inFlight: 0, unsubmitted: 0, possibleDuplicates: 0, costs: CostTotals())
            for row in try await rows(
                """
                SELECT state, count(*),
                       count(*) FILTER (WHERE request_id IS NOT NULL AND state NOT IN \(unescaped: PGSQL.finalStates)),
                       count(*) FILTER (WHERE request_id IS NULL AND state = 'PENDING'),
                       count(*) FILTER (WHERE possible_duplicate),
                       coalesce(sum(cost), 0)::bigint
                FROM jobs j WHERE \(filter: filter, day: "NULL")
                GROUP BY state
                """, on: connection)
            {
                let (stateText, jobs, inFlight, unsubmitted, possibleDuplicates, cost) = try row.decode(
                    (String, Int, Int, Int, Int, Int64).self)
                let state = try decode(JobState.self, stateText, column: "state")
                let duplicateCost = duplicates[stateText] ?? 0
                snapshot.add(
                    state, jobs: jobs, inFlight: inFlight, unsubmitted: unsubmitted,
                    possibleDuplicates: possibleDuplicates, cost: cost, duplicateCost: duplicateCost)
            }
            return snapshot
        }
    }

    public func batchExists(_ name: String) async throws(StoreError) -> Bool {
        try await read { [self] connection in
            try await rows("SELECT EXISTS (SELECT 1 FROM batches WHERE name = \(name))", on: connection).first?.decode(
                Bool.self) ?? false
        }
    }
}

/// Hands jobs to `forEachJob`'s caller until closed. `body` runs under the lock, so once
/// `close()` returns nothing holds it or is running it (`withoutActuallyEscaping` checks that
/// the closure did not escape), and a late delivery from a call that was given up fails.
private final class JobRelay: Sendable {
    private let body: Mutex<(@Sendable (Job) throws -> Void)?>

    init(_ body: @escaping @Sendable (Job) throws -> Void) {
        self.body = Mutex(body)
    }

    func deliver(_ job: Job) throws {
        try body.withLock { body throws(any Error) in
            guard let body else { throw CancellationError() }
            do { try body(job) } catch { throw BodyFailure(error: error) }
        }
    }

    func close() {
        body.withLock { $0 = nil }
    }
}
