/// Opens a job store by what the user named with `--db` / `UPSCALE_DB`: a path is a SQLite
/// file, a `postgres://` or `postgresql://` URL a PostgreSQL database. The one place that
/// chooses the engine; everything after it speaks the contract (`JobStore`).
public enum JobStores {
    /// Whether `location` names a PostgreSQL database rather than a file.
    public static func isDatabaseURL(_ location: String) -> Bool {
        PostgresLocation.isURL(location)
    }

    /// Opens an existing store; a missing one is `StoreError.noStore` (only `import` creates).
    public static func open(_ location: String, for access: StoreAccess = .write) async throws(StoreError) -> any JobStore {
        if isDatabaseURL(location) { return try await PostgresJobStore.open(location, for: access) }
        return try SQLiteJobStore.open(at: location, for: access)
    }

    /// Opens the store, creating it (and its schema) when there is none yet: `import`'s way in.
    public static func openOrCreate(_ location: String) async throws(StoreError) -> any JobStore {
        if isDatabaseURL(location) { return try await PostgresJobStore.openOrCreate(location) }
        return try SQLiteJobStore.openOrCreate(at: location)
    }
}
