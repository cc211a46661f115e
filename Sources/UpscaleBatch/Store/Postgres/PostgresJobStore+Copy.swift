import NIOCore
import PostgresNIO

/// `copy-store` on PostgreSQL: the whole store read in one REPEATABLE READ snapshot, each
/// table streamed as the server sends it (flat memory); a copy written into an empty store in
/// ONE transaction, a page of rows at a time with COPY (one round trip per page, not per row),
/// ids kept, and each identity moved past the largest id copied so later inserts never collide.
extension PostgresJobStore {
    static let jobCopyColumns = [
        "id", "batch_id", "url", "mode", "state", "request_id", "cost", "result_url", "error", "attempts", "submitting",
        "possible_duplicate", "run_id", "poll_count", "next_poll_at", "polling", "finished_by", "download_path",
        "download_bytes", "download_sha256", "downloaded_at", "download_error", "created_at", "submitted_at",
        "finished_at", "updated_at", "not_found_polls", "not_found_since", "cost_unknown", "submitting_run",
        "attempt_webhook", "attempt_sent_at", "account", "download_host",
    ]
    static let attemptCopyColumns = [
        "id", "job_id", "request_id", "state", "cost", "result_url", "error", "possible_duplicate", "submitted_at",
        "finished_at", "archived_at", "reason", "next_poll_at",
    ]

    public func exportStore(
        pageSize: Int, into sink: @escaping @Sendable ([StoreRecord]) async throws -> Void
    ) async throws {
        let logger = logger
        do {
            try await withLeasedConnection { connection in
                try await connection.inSnapshot(logger: logger) { connection in
                    var page: [StoreRecord] = []
                    page.reserveCapacity(pageSize)
                    func add(_ record: StoreRecord) async throws {
                        page.append(record)
                        if page.count >= pageSize {
                            let full = page
                            page.removeAll(keepingCapacity: true)
                            try await sink(full)
                        }
                    }
                    for row in try await connection.allRows("SELECT key, value FROM meta ORDER BY key", logger: logger) {
                        let (key, value) = try row.decode((String, String).self)
                        try await add(.meta(key: key, value: value))
                    }
                    try await connection.forEachRow(
                        "SELECT id, name, source_file, imported_at FROM batches ORDER BY id", logger: logger
                    ) { row in
                        let (id, name, sourceFile, importedAt) = try row.decode((Int64, String, String, String).self)
                        try await add(.batch(.init(id: id, name: name, sourceFile: sourceFile, importedAt: importedAt)))
                    }
                    let jobs = Self.jobCopyColumns.joined(separator: ", ")
                    try await connection.forEachRow("SELECT \(unescaped: jobs) FROM jobs ORDER BY id", logger: logger) { row in
                        try await add(.job(try Self.jobRow(row.makeRandomAccess())))
                    }
                    let attempts = Self.attemptCopyColumns.joined(separator: ", ")
                    try await connection.forEachRow(
                        "SELECT \(unescaped: attempts) FROM job_attempts ORDER BY id", logger: logger
                    ) { row in
                        try await add(.attempt(try Self.attemptRow(row.makeRandomAccess())))
                    }
                    if !page.isEmpty { try await sink(page) }
                }
            }
        } catch {
            if !Self.isPostgresError(error) { throw error }
            throw translate(error)
        }
    }

    /// Whether `error` is the driver's (to translate) rather than the sink's (to pass on).
    private static func isPostgresError(_ error: any Error) -> Bool {
        error is PSQLError || error is PostgresDecodingError || error is StoreError
    }

    private static func jobRow(_ row: PostgresRandomAccessRow) throws -> StoreRecord.JobRow {
        var job = StoreRecord.JobRow(
            id: try row[0].decode(Int64.self), batchID: try row[1].decode(Int64.self), url: try row[2].decode(String.self),
            mode: try row[3].decode(String.self), state: try row[4].decode(String.self),
            createdAt: try row[22].decode(String.self), updatedAt: try row[25].decode(String.self))
        job.requestID = try row[5].decode(String?.self)
        job.cost = try row[6].decode(Int64?.self)
        job.resultURL = try row[7].decode(String?.self)
        job.error = try row[8].decode(String?.self)
        job.attempts = try row[9].decode(Int64.self)
        job.submitting = try row[10].decode(Bool.self)
        job.possibleDuplicate = try row[11].decode(Bool.self)
        job.runID = try row[12].decode(String?.self)
        job.pollCount = try row[13].decode(Int64.self)
        job.nextPollAt = try row[14].decode(Int64?.self)
        job.polling = try row[15].decode(Bool.self)
        job.finishedBy = try row[16].decode(String?.self)
        job.downloadPath = try row[17].decode(String?.self)
        job.downloadBytes = try row[18].decode(Int64?.self)
        job.downloadSHA256 = try row[19].decode(String?.self)
        job.downloadedAt = try row[20].decode(String?.self)
        job.downloadError = try row[21].decode(String?.self)
        job.submittedAt = try row[23].decode(String?.self)
        job.finishedAt = try row[24].decode(String?.self)
        job.notFoundPolls = try row[26].decode(Int64.self)
        job.notFoundSince = try row[27].decode(Int64?.self)
        job.costUnknown = try row[28].decode(Bool.self)
        job.submittingRun = try row[29].decode(String?.self)
        job.attemptWebhook = try row[30].decode(Bool.self)
        job.attemptSentAt = try row[31].decode(Int64?.self)
        job.account = try row[32].decode(String?.self)
        job.downloadHost = try row[33].decode(String?.self)
        return job
    }

    private static func attemptRow(_ row: PostgresRandomAccessRow) throws -> StoreRecord.AttemptRow {
        var attempt = StoreRecord.AttemptRow(
            id: try row[0].decode(Int64.self), jobID: try row[1].decode(Int64.self), state: try row[3].decode(String.self),
            archivedAt: try row[10].decode(String.self), reason: try row[11].decode(String.self))
        attempt.requestID = try row[2].decode(String?.self)
        attempt.cost = try row[4].decode(Int64?.self)
        attempt.resultURL = try row[5].decode(String?.self)
        attempt.error = try row[6].decode(String?.self)
        attempt.possibleDuplicate = try row[7].decode(Bool.self)
        attempt.submittedAt = try row[8].decode(String?.self)
        attempt.finishedAt = try row[9].decode(String?.self)
        attempt.nextPollAt = try row[12].decode(Int64?.self)
        return attempt
    }

    /// An error of the record source, carried through postgres-nio's wrappers unchanged.
    private struct SourceFailure: Error {
        var error: any Error
    }

    public func importStore(_ records: any StoreRecordSource) async throws -> StoreCopyCounts {
        let logger = logger
        do {
            return try await withLeasedConnection { [self] connection in
                try await connection.inTransaction(logger: logger) { connection in
                    try await importStore(records, on: connection)
                }
            }
        } catch let failure as SourceFailure {
            throw failure.error
        } catch let failure as StoreCopyError {
            throw failure
        } catch {
            throw translate(error)
        }
    }

    private func importStore(_ records: any StoreRecordSource, on connection: PostgresConnection) async throws
        -> StoreCopyCounts
    {
        let held = try await rows(
            """
            SELECT EXISTS (SELECT 1 FROM batches) OR EXISTS (SELECT 1 FROM jobs) OR EXISTS (SELECT 1 FROM job_attempts)
            """, on: connection)
        if try held.first?.decode(Bool.self) ?? false { throw StoreCopyError.destinationNotEmpty(store: displayName) }
        var counts = StoreCopyCounts()
        while true {
            let next: [StoreRecord]?
            do { next = try await records.next() } catch { throw SourceFailure(error: error) }
            guard let page = next else { break }
            // Consecutive records of one table go in one COPY.
            var start = 0
            while start < page.count {
                var end = start + 1
                while end < page.count && Self.table(of: page[end]) == Self.table(of: page[start]) { end += 1 }
                try await write(page[start..<end], on: connection)
                for record in page[start..<end] { counts.add(record) }
                start = end
            }
        }
        for table in ["batches", "jobs", "job_attempts"] {
            try await execute(
                """
                SELECT setval(pg_get_serial_sequence('\(unescaped: Self.schema).\(unescaped: table)', 'id'),
                              coalesce((SELECT max(id) FROM \(unescaped: table)), 0) + 1, false)
                """, on: connection)
        }
        return counts
    }

    private static func table(of record: StoreRecord) -> String {
        switch record {
        case .meta: "meta"
        case .batch: "batches"
        case .job: "jobs"
        case .attempt: "job_attempts"
        }
    }

    /// Records of one table: meta one by one (replacing the store's own), the rest by COPY.
    private func write(_ records: ArraySlice<StoreRecord>, on connection: PostgresConnection) async throws {
        guard let first = records.first else { return }
        if case .meta = first {
            for case .meta(let key, let value) in records {
                try await execute(
                    """
                    INSERT INTO meta (key, value) VALUES (\(key), \(value))
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """, on: connection)
            }
            return
        }
        var buffer = ByteBuffer()
        let columns: [String]
        switch first {
        case .batch: columns = ["id", "name", "source_file", "imported_at"]
        case .job: columns = Self.jobCopyColumns
        default: columns = Self.attemptCopyColumns
        }
        for record in records {
            var line = CopyLine()
            switch record {
            case .meta: continue
            case .batch(let batch):
                line.add(batch.id)
                line.add(batch.name)
                line.add(batch.sourceFile)
                line.add(batch.importedAt)
            case .job(let job):
                line.add(job.id)
                line.add(job.batchID)
                line.add(job.url)
                line.add(job.mode)
                line.add(job.state)
                line.add(job.requestID)
                line.add(job.cost)
                line.add(job.resultURL)
                line.add(job.error)
                line.add(job.attempts)
                line.add(job.submitting)
                line.add(job.possibleDuplicate)
                line.add(job.runID)
                line.add(job.pollCount)
                line.add(job.nextPollAt)
                line.add(job.polling)
                line.add(job.finishedBy)
                line.add(job.downloadPath)
                line.add(job.downloadBytes)
                line.add(job.downloadSHA256)
                line.add(job.downloadedAt)
                line.add(job.downloadError)
                line.add(job.createdAt)
                line.add(job.submittedAt)
                line.add(job.finishedAt)
                line.add(job.updatedAt)
                line.add(job.notFoundPolls)
                line.add(job.notFoundSince)
                line.add(job.costUnknown)
                line.add(job.submittingRun)
                line.add(job.attemptWebhook)
                line.add(job.attemptSentAt)
                line.add(job.account)
                line.add(job.downloadHost)
            case .attempt(let attempt):
                line.add(attempt.id)
                line.add(attempt.jobID)
                line.add(attempt.requestID)
                line.add(attempt.state)
                line.add(attempt.cost)
                line.add(attempt.resultURL)
                line.add(attempt.error)
                line.add(attempt.possibleDuplicate)
                line.add(attempt.submittedAt)
                line.add(attempt.finishedAt)
                line.add(attempt.archivedAt)
                line.add(attempt.reason)
                line.add(attempt.nextPollAt)
            }
            line.end(into: &buffer)
        }
        let table = Self.table(of: first)
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            try await writer.write(buffer)
        }
    }
}

/// One row in COPY's text format: fields separated by tabs, NULL as `\N`, booleans `t`/`f`,
/// and backslash, tab, newline and carriage return escaped in text.
private struct CopyLine {
    private var bytes: [UInt8] = []
    private var fields = 0

    private mutating func separate() {
        if fields > 0 { bytes.append(UInt8(ascii: "\t")) }
        fields += 1
    }

    mutating func add(_ value: String?) {
        separate()
        guard let value else {
            bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: bytes.append(byte)
            }
        }
    }

    mutating func add(_ value: Int64?) {
        add(value.map { String($0) })
    }

    mutating func add(_ value: Bool) {
        add(value ? "t" : "f")
    }

    func end(into buffer: inout ByteBuffer) {
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}

extension PostgresJobStore {
    /// Removes the store's schema when it holds no batch, job or attempt: a copy that failed
    /// after `openOrCreate` made the schema leaves the database as it found it, so the same
    /// `copy-store` can run again. A schema holding anything is never touched; returns whether
    /// it was removed.
    @discardableResult
    public func discardIfEmpty() async throws(StoreError) -> Bool {
        try await write { [self] connection in
            try await execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", on: connection)
            let held = try await rows(
                """
                SELECT EXISTS (SELECT 1 FROM batches) OR EXISTS (SELECT 1 FROM jobs) OR EXISTS (SELECT 1 FROM job_attempts)
                """, on: connection)
            if try held.first?.decode(Bool.self) ?? true { return false }
            try await execute("DROP SCHEMA \(unescaped: Self.schema) CASCADE", on: connection)
            return true
        }
    }
}
