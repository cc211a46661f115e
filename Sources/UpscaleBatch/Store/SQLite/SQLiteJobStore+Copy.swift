import GRDB

/// `copy-store` on SQLite: the whole store read in ONE read transaction (a snapshot) and
/// handed out page by page, and a copy written into an empty store in ONE write transaction.
///
/// Both hold SQLite's connection on a Dispatch thread (`DispatchWork`) for the whole copy and
/// wait for the other side between pages through `StoreBridge`, as `importJobs` does: SQLite's
/// calls are synchronous, and a transaction cannot span two of GRDB's async calls.
extension SQLiteJobStore {
    static let jobCopyColumns = """
        id, batch_id, url, mode, state, request_id, cost, result_url, error, attempts, submitting,
        possible_duplicate, run_id, poll_count, next_poll_at, polling, finished_by, download_path,
        download_bytes, download_sha256, downloaded_at, download_error, created_at, submitted_at,
        finished_at, updated_at, not_found_polls, not_found_since, cost_unknown, submitting_run,
        attempt_webhook, attempt_sent_at, account
        """
    static let attemptCopyColumns = """
        id, job_id, request_id, state, cost, result_url, error, possible_duplicate, submitted_at,
        finished_at, archived_at, reason, next_poll_at
        """

    public func exportStore(
        pageSize: Int, into sink: @escaping @Sendable ([StoreRecord]) async throws -> Void
    ) async throws {
        let result: Result<Void, any Error> = await DispatchWork.run {
            Result {
                try self.database.read { db in
                    var page: [StoreRecord] = []
                    page.reserveCapacity(pageSize)
                    func add(_ record: StoreRecord) throws {
                        page.append(record)
                        if page.count >= pageSize {
                            let full = page
                            page.removeAll(keepingCapacity: true)
                            try StoreBridge.waitThrowing { try await sink(full) }
                        }
                    }
                    let meta = try Row.fetchCursor(db, sql: "SELECT key, value FROM meta ORDER BY key")
                    while let row = try meta.next() { try add(.meta(key: row[0], value: row[1])) }
                    let batches = try Row.fetchCursor(
                        db, sql: "SELECT id, name, source_file, imported_at FROM batches ORDER BY id")
                    while let row = try batches.next() {
                        try add(.batch(.init(id: row[0], name: row[1], sourceFile: row[2], importedAt: row[3])))
                    }
                    let jobs = try Row.fetchCursor(db, sql: "SELECT \(Self.jobCopyColumns) FROM jobs ORDER BY id")
                    while let row = try jobs.next() { try add(.job(Self.jobRow(row))) }
                    let attempts = try Row.fetchCursor(
                        db, sql: "SELECT \(Self.attemptCopyColumns) FROM job_attempts ORDER BY id")
                    while let row = try attempts.next() { try add(.attempt(Self.attemptRow(row))) }
                    if !page.isEmpty {
                        let last = page
                        try StoreBridge.waitThrowing { try await sink(last) }
                    }
                }
            }
        }
        do {
            try result.get()
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    private static func jobRow(_ row: Row) -> StoreRecord.JobRow {
        var job = StoreRecord.JobRow(
            id: row[0], batchID: row[1], url: row[2], mode: row[3], state: row[4], createdAt: row[22], updatedAt: row[25])
        job.requestID = row[5]
        job.cost = row[6]
        job.resultURL = row[7]
        job.error = row[8]
        job.attempts = row[9]
        job.submitting = row[10]
        job.possibleDuplicate = row[11]
        job.runID = row[12]
        job.pollCount = row[13]
        job.nextPollAt = row[14]
        job.polling = row[15]
        job.finishedBy = row[16]
        job.downloadPath = row[17]
        job.downloadBytes = row[18]
        job.downloadSHA256 = row[19]
        job.downloadedAt = row[20]
        job.downloadError = row[21]
        job.submittedAt = row[23]
        job.finishedAt = row[24]
        job.notFoundPolls = row[26]
        job.notFoundSince = row[27]
        job.costUnknown = row[28]
        job.submittingRun = row[29]
        job.attemptWebhook = row[30]
        job.attemptSentAt = row[31]
        job.account = row[32]
        return job
    }

    private static func attemptRow(_ row: Row) -> StoreRecord.AttemptRow {
        var attempt = StoreRecord.AttemptRow(id: row[0], jobID: row[1], state: row[3], archivedAt: row[10], reason: row[11])
        attempt.requestID = row[2]
        attempt.cost = row[4]
        attempt.resultURL = row[5]
        attempt.error = row[6]
        attempt.possibleDuplicate = row[7]
        attempt.submittedAt = row[8]
        attempt.finishedAt = row[9]
        attempt.nextPollAt = row[12]
        return attempt
    }

    public func importStore(_ records: any StoreRecordSource) async throws -> StoreCopyCounts {
        let path = path
        let result: Result<StoreCopyCounts, any Error> = await DispatchWork.run {
            Result {
                try self.database.write { db in
                    let held =
                        try Int.fetchOne(
                            db,
                            sql:
                                "SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM jobs) + (SELECT count(*) FROM job_attempts)"
                        ) ?? 0
                    if held > 0 { throw StoreCopyError.destinationNotEmpty(store: path) }
                    var counts = StoreCopyCounts()
                    while let page = try StoreBridge.waitThrowing({ try await records.next() }) {
                        for record in page {
                            try Self.insert(record, into: db)
                            counts.add(record)
                        }
                    }
                    // The jobs came in without their totals (JobTotals: a writer of new jobs adds them).
                    try JobTotals.rebuild(db)
                    return counts
                }
            }
        }
        do {
            return try result.get()
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    /// One record as a row (a download's host is dropped: a SQLite store is one host's).
    private static func insert(_ record: StoreRecord, into db: Database) throws {
        switch record {
        case .meta(let key, let value):
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        case .batch(let batch):
            try db.execute(
                sql: "INSERT INTO batches (id, name, source_file, imported_at) VALUES (?, ?, ?, ?)",
                arguments: [batch.id, batch.name, batch.sourceFile, batch.importedAt])
        case .job(let job):
            let values: [(any DatabaseValueConvertible)?] = [
                job.id, job.batchID, job.url, job.mode, job.state, job.requestID, job.cost, job.resultURL, job.error,
                job.attempts, job.submitting, job.possibleDuplicate, job.runID, job.pollCount, job.nextPollAt, job.polling,
                job.finishedBy, job.downloadPath, job.downloadBytes, job.downloadSHA256, job.downloadedAt,
                job.downloadError, job.createdAt, job.submittedAt, job.finishedAt, job.updatedAt, job.notFoundPolls,
                job.notFoundSince, job.costUnknown, job.submittingRun, job.attemptWebhook, job.attemptSentAt, job.account,
            ]
            try db.execute(
                sql: "INSERT INTO jobs (\(jobCopyColumns)) VALUES (\(placeholders(values.count)))",
                arguments: StatementArguments(values))
        case .attempt(let attempt):
            let values: [(any DatabaseValueConvertible)?] = [
                attempt.id, attempt.jobID, attempt.requestID, attempt.state, attempt.cost, attempt.resultURL, attempt.error,
                attempt.possibleDuplicate, attempt.submittedAt, attempt.finishedAt, attempt.archivedAt, attempt.reason,
                attempt.nextPollAt,
            ]
            try db.execute(
                sql: "INSERT INTO job_attempts (\(attemptCopyColumns)) VALUES (\(placeholders(values.count)))",
                arguments: StatementArguments(values))
        }
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
