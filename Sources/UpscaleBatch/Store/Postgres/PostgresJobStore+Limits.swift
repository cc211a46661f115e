import PostgresNIO

/// The store-wide limits (`limits`) on PostgreSQL: the same two rows of `meta` as on SQLite
/// (`StoreLimits`), changed in one transaction, so two hosts that change one limit each at the
/// same moment keep both changes.
extension PostgresJobStore {
    public func limits() async throws(StoreError) -> StoreLimits {
        let rows = try await read { [self] connection in try await limitRows(on: connection) }
        return try limits(from: rows)
    }

    public func changeLimits(
        concurrency: LimitChange<Int>, rate: LimitChange<Double>
    ) async throws(StoreError) -> StoreLimits {
        if isReadOnly {
            throw .permission(
                path: displayName,
                needed: "the role \(location.user) may only read this store; changing its limits needs INSERT, "
                    + "UPDATE and DELETE on its meta table")
        }
        let writes = StoreLimits.metaWrites(concurrency: concurrency, rate: rate)
        let rows = try await write { [self] connection in
            for (key, value) in writes {
                if let value {
                    try await execute(
                        """
                        INSERT INTO meta (key, value) VALUES (\(key), \(value))
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value
                        """, on: connection)
                } else {
                    try await execute("DELETE FROM meta WHERE key = \(key)", on: connection)
                }
            }
            return try await limitRows(on: connection)
        }
        return try limits(from: rows)
    }

    /// The two rows' texts (nil: no row), in one statement.
    private func limitRows(on connection: PostgresConnection) async throws -> LimitRows {
        var found = LimitRows()
        for row in try await rows(
            "SELECT key, value FROM meta WHERE key IN (\(StoreLimits.concurrencyKey), \(StoreLimits.rateKey))",
            on: connection)
        {
            let (key, value) = try row.decode((String, String).self)
            if key == StoreLimits.concurrencyKey { found.concurrency = value } else { found.rate = value }
        }
        return found
    }

    private func limits(from rows: LimitRows) throws(StoreError) -> StoreLimits {
        do {
            return try StoreLimits.fromMeta(concurrency: rows.concurrency, rate: rows.rate)
        } catch {
            throw .postgres(store: displayName, detail: error.detail)
        }
    }
}

/// The limits' meta rows as read, before they are checked.
private struct LimitRows: Sendable {
    var concurrency: String?
    var rate: String?
}
