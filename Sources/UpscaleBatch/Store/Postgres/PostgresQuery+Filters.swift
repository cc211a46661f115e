import PostgresNIO

/// The filters shared by several queries, written into a query with their values bound, so
/// every query that filters by batch or report filter filters alike (as `ReportFilter+SQL`
/// does on SQLite). A nil value binds NULL and makes its condition true; PostgreSQL plans an
/// unnamed statement with its values, so the condition costs nothing when unused.
extension PostgresQuery.StringInterpolation {
    /// `(batch IS NULL OR COLUMN = the batch's id)`.
    mutating func appendInterpolation(batch: String?, column: String) {
        appendLiteral("(")
        appendInterpolation(batch)
        appendLiteral("::text IS NULL OR \(column) = (SELECT id FROM batches WHERE name = ")
        appendInterpolation(batch)
        appendLiteral("))")
    }

    /// The report filter as conditions on `jobs j`; `day` is the SQL of a job's UTC day.
    mutating func appendInterpolation(filter: ReportFilter, day: String) {
        appendInterpolation(batch: filter.batch, column: "j.batch_id")
        appendLiteral(" AND (")
        appendInterpolation(filter.runID)
        appendLiteral("::text IS NULL OR j.id IN (SELECT job_id FROM run_scope WHERE run_id = ")
        appendInterpolation(filter.runID)
        appendLiteral(" AND NOT cost_only)) AND (")
        appendInterpolation(filter.since)
        appendLiteral("::text IS NULL OR \(day) >= ")
        appendInterpolation(filter.since)
        appendLiteral(") AND (")
        appendInterpolation(filter.until)
        appendLiteral("::text IS NULL OR \(day) <= ")
        appendInterpolation(filter.until)
        appendLiteral(")")
    }
}

extension PostgresJobStore {
    /// Every row of `query` on `connection` (small results only: lists of claims, groups).
    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.allRows(query, logger: logger)
    }

    /// Runs `query` for its effect, draining any rows.
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        _ = try await connection.allRows(query, logger: logger)
    }

    /// A stored enum's text as `T`, or the same error the SQLite engine gives for an unknown value.
    func decode<T: RawRepresentable<String>>(_ type: T.Type, _ text: String, column: String, jobID: Int64? = nil) throws
        -> T
    {
        guard let value = T(rawValue: text) else {
            throw StoreError.postgres(
                store: displayName, detail: UnknownStoredValue(column: column, value: text, jobID: jobID).detail)
        }
        return value
    }
}
