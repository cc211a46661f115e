import NIOCore
import PostgresNIO

/// `import` on PostgreSQL: the rows stream with COPY into a temporary staging table, then ONE
/// `INSERT ... SELECT` moves them into `jobs` (`moveStaged`), in the same transaction: all of
/// the rows or none, duplicates (of the store, or earlier in the file) skipped and counted, ids
/// in file order. COPY is PostgreSQL's fastest way in; the move is one statement, so the unique
/// index is checked once per row without a round trip per row. The staging table is temporary
/// (never WAL-logged) and written by one COPY stream, each row with its place in the file
/// (`ord`, numbered here: an identity column there cost a sequence call per row).
extension PostgresJobStore {
    /// An error of the row source, carried through postgres-nio's wrappers to come out unchanged.
    private struct SourceFailure: Error {
        var error: any Error
    }

    public func importJobs(
        batchName: String, sourceFile: String, timestamp: String, rows source: any ImportRowSource
    ) async throws -> ImportedRows {
        let logger = logger
        do {
            let imported = try await withLeasedConnection { [self] connection in
                try await connection.inTransaction(logger: logger) { connection in
                    try await importJobs(
                        on: connection, batchName: batchName, sourceFile: sourceFile, timestamp: timestamp, source: source)
                }
            }
            if imported.inserted >= Self.rowsWorthStatistics { await refreshStatistics("jobs") }
            return imported
        } catch let failure as SourceFailure {
            throw failure.error
        } catch {
            throw translate(error)
        }
    }

    private func importJobs(
        on connection: PostgresConnection, batchName: String, sourceFile: String, timestamp: String,
        source: any ImportRowSource
    ) async throws -> ImportedRows {
        var batchID: Int64?
        let created = try await rows(
            """
            INSERT INTO batches (name, source_file, imported_at) VALUES (\(batchName), \(sourceFile), \(timestamp))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """, on: connection)
        batchID = try created.first?.decode(Int64.self)
        if batchID == nil {
            batchID = try await rows("SELECT id FROM batches WHERE name = \(batchName)", on: connection).first?.decode(
                Int64.self)
        }
        guard let batchID else {
            throw StoreError.postgres(store: displayName, detail: "batch \(batchName) vanished during the import")
        }

        try await execute(
            """
            CREATE TEMP TABLE import_staging (ord bigint NOT NULL, url text NOT NULL, mode text NOT NULL) ON COMMIT DROP
            """, on: connection)
        var staged = 0
        try await connection.copyFrom(table: "import_staging", columns: ["ord", "url", "mode"], logger: logger) { writer in
            var buffer = ByteBuffer()
            while true {
                let next: ImportBatch?
                do { next = try await source.next() } catch { throw SourceFailure(error: error) }
                guard let batch = next else { break }
                var start = 0
                for row in batch.rows {
                    staged += 1
                    buffer.writeString(String(staged))
                    buffer.writeInteger(UInt8(ascii: "\t"))
                    Self.appendCopyText(batch.urlBytes[start..<row.end], to: &buffer)
                    buffer.writeInteger(UInt8(ascii: "\t"))
                    buffer.writeString(row.mode.rawValue)
                    buffer.writeInteger(UInt8(ascii: "\n"))
                    start = row.end
                }
                if buffer.readableBytes >= 256 * 1024 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        let inserted = try await moveStaged(batchID: batchID, timestamp: timestamp, staged: staged, on: connection)
        if created.first != nil && inserted == 0 {
            try await execute("DELETE FROM batches WHERE id = \(batchID)", on: connection)
        }
        return ImportedRows(inserted: inserted, duplicates: staged - inserted)
    }

    /// The advisory lock that makes one import's move at a time ("UpIm"), held to its commit, so
    /// the ids an import gives its rows are its own.
    static let importMoveLock: Int64 = 0x5570_496D

    /// Moves the `staged` rows into `jobs`, skipping duplicates (of the store, or earlier in the
    /// file); returns how many were inserted: the command's row count, not a RETURNING whose
    /// million rows the server would collect only to be counted.
    ///
    /// Each row's id is the store's highest id plus its place in the file (`before + ord`): ids
    /// in file order without a sort, and without a call to the identity sequence per row (about
    /// 1 s per million rows; an explicit `nextval`/`setval` instead would need a privilege on
    /// the sequence that the README's writer role lacks, so the sequence stays where it is).
    /// Import is the only writer of jobs and numbers them under `importMoveLock`, and jobs are
    /// never deleted, so an id is never given twice. The ids of rows left out stay unused, as
    /// ON CONFLICT left them before.
    ///
    /// The fast way, for a file that repeats no row: the store's duplicates are left out by an
    /// anti-join, without ON CONFLICT, whose speculative insertion cost about as much again as
    /// the rest of each row's insertion. A file that repeats a row makes it fail with a unique
    /// violation: the move then starts again from its savepoint with ON CONFLICT DO NOTHING in
    /// file order, which keeps each row's first occurrence (that import pays for both).
    private func moveStaged(batchID: Int64, timestamp: String, staged: Int, on connection: PostgresConnection)
        async throws -> Int
    {
        guard staged > 0 else { return 0 }
        try await execute("SELECT pg_advisory_xact_lock(\(Self.importMoveLock))", on: connection)
        let before = try await rows("SELECT coalesce(max(id), 0) FROM jobs", on: connection).first?.decode(Int64.self) ?? 0
        try await execute("SAVEPOINT import_move", on: connection)
        do {
            let inserted = try await affectedRows(
                """
                INSERT INTO jobs (id, batch_id, url, mode, created_at, updated_at)
                SELECT \(before) + s.ord, \(batchID), s.url, s.mode, \(timestamp), \(timestamp) FROM import_staging s
                WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.url = s.url AND j.mode = s.mode)
                """, on: connection)
            try await execute("RELEASE SAVEPOINT import_move", on: connection)
            return inserted
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            try await execute("ROLLBACK TO SAVEPOINT import_move", on: connection)
            return try await affectedRows(
                """
                INSERT INTO jobs (id, batch_id, url, mode, created_at, updated_at)
                SELECT \(before) + ord, \(batchID), url, mode, \(timestamp), \(timestamp) FROM import_staging
                ORDER BY ord
                ON CONFLICT (url, mode) DO NOTHING
                """, on: connection)
        }
    }

    /// Runs `query` and returns the number of rows its command tag reports.
    private func affectedRows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        try await connection.query(query, logger: logger) { _ in }.get().rows ?? 0
    }

    /// Bytes as COPY's text format wants them: backslash, tab, newline and carriage return escaped.
    private static func appendCopyText(_ bytes: ArraySlice<UInt8>, to buffer: inout ByteBuffer) {
        // Almost every URL has none of them: copied whole.
        let special: (UInt8) -> Bool = { $0 == UInt8(ascii: "\\") || $0 == 9 || $0 == 10 || $0 == 13 }
        guard bytes.contains(where: special) else {
            buffer.writeBytes(bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): buffer.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): buffer.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): buffer.writeBytes([UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: buffer.writeInteger(byte)
            }
        }
    }
}
