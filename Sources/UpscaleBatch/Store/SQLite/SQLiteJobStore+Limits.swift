import GRDB

/// The store-wide limits (`limits`) on SQLite: two rows of `meta` (`StoreLimits`), read in one
/// read and changed in one write transaction.
extension SQLiteJobStore {
    public func limits() async throws(StoreError) -> StoreLimits {
        let rows = try await read { db in try Self.limitRows(db) }
        return try limits(from: rows)
    }

    public func changeLimits(
        concurrency: LimitChange<Int>, rate: LimitChange<Double>
    ) async throws(StoreError) -> StoreLimits {
        if isReadOnly {
            throw .permission(
                path: path, needed: "changing its limits needs write permission on the file and its directory")
        }
        let writes = StoreLimits.metaWrites(concurrency: concurrency, rate: rate)
        let rows = try await write { db in
            for (key, value) in writes {
                if let value {
                    try db.execute(
                        sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        arguments: [key, value])
                } else {
                    try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
                }
            }
            return try Self.limitRows(db)
        }
        return try limits(from: rows)
    }

    /// The two rows' texts (nil: no row).
    private static func limitRows(_ db: Database) throws -> (concurrency: String?, rate: String?) {
        (
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [StoreLimits.concurrencyKey]),
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [StoreLimits.rateKey])
        )
    }

    private func limits(from rows: (concurrency: String?, rate: String?)) throws(StoreError) -> StoreLimits {
        do {
            return try StoreLimits.fromMeta(concurrency: rows.concurrency, rate: rows.rate)
        } catch {
            throw .sqlite(path: path, detail: error.detail)
        }
    }
}
