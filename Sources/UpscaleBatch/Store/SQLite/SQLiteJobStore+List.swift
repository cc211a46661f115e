import GRDB

extension SQLiteJobStore {
    /// Streams the matching jobs in id order through `body`, one at a time, so a million jobs
    /// list in flat memory. `body` runs inside one read transaction: a consistent snapshot. An
    /// error `body` throws ends the listing and comes out unchanged.
    public func forEachJob(_ filter: JobFilter, _ body: @Sendable (Job) throws -> Void) async throws {
        let stopped: (any Error)? = try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let state = filter.state {
                conditions.append("j.state = ?")
                _ = arguments.append(contentsOf: [state.rawValue])
            }
            if let batch = filter.batch {
                conditions.append("b.name = ?")
                _ = arguments.append(contentsOf: [batch])
            }
            var sql = """
                SELECT j.id, b.name AS batch, j.url, j.mode, j.state, j.request_id, j.cost, j.result_url,
                       j.error, j.attempts, j.possible_duplicate
                FROM jobs j JOIN batches b ON b.id = j.batch_id
                """
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY j.id"
            if let limit = filter.limit {
                sql += " LIMIT ?"
                _ = arguments.append(contentsOf: [limit])
            }
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                let job = try Job(row: row)
                do { try body(job) } catch { return error }
            }
            return nil
        }
        if let stopped { throw stopped }
    }

    /// One job by id, or nil.
    public func job(id: Int64) async throws(StoreError) -> Job? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT j.id, b.name AS batch, j.url, j.mode, j.state, j.request_id, j.cost, j.result_url,
                           j.error, j.attempts, j.possible_duplicate
                    FROM jobs j JOIN batches b ON b.id = j.batch_id WHERE j.id = ?
                    """, arguments: [id]
            ).map { row in try Job(row: row) }
        }
    }
}

extension Job {
    /// Reads the columns selected by the list queries.
    init(row: Row) throws(UnknownStoredValue) {
        let id: Int64 = row["id"]
        self.init(
            id: id, batch: row["batch"], url: row["url"],
            mode: try UnknownStoredValue.decode(Mode.self, row, "mode", jobID: id),
            state: try UnknownStoredValue.decode(JobState.self, row, "state", jobID: id),
            requestID: row["request_id"], cost: row["cost"], resultURL: row["result_url"],
            error: row["error"], attempts: row["attempts"], possibleDuplicate: row["possible_duplicate"])
    }
}
