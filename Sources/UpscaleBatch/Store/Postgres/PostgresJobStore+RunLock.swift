import Logging
import PostgresNIO

/// The store's copy lock on PostgreSQL: a session advisory lock that `copy-store` holds on a
/// connection of its own, outside the pool, for the whole copy, while every run takes it shared
/// for the moment it begins (`beginRun`), so no run begins during a copy. (Runs themselves
/// cooperate under leases; until issue 13 this was an exclusive run lock.) It dies with the
/// session, so a process killed with SIGKILL or a server restart never leaves it behind.
public final class PostgresRunLock: Sendable {
    private let connection: PostgresConnection

    fileprivate init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Releases the lock, then closes its session. The unlock comes first because a closed
    /// session lets go of its locks only when its server process has exited, a moment later:
    /// a run that starts right after this one ends must find the lock free.
    public func release() async {
        // A session the server dropped (a restart during the run) holds no lock, and a query
        // on it may never be answered: close it without asking.
        if !connection.isClosed {
            _ = try? await connection.allRows(
                "SELECT pg_advisory_unlock(\(PostgresJobStore.runLockKey))", logger: Logger(label: "upscale-batch.run-lock"))
        }
        try? await connection.close()
    }

    /// A lock dropped without `release()` (a run's lock is held until its process ends) still
    /// closes its session: postgres-nio requires a connection closed before it is released, and
    /// the task keeps it alive until then.
    deinit {
        let connection = connection
        Task { try? await connection.close() }
    }
}

extension PostgresJobStore {
    /// The advisory lock key ("UpRn"; it was the run lock's).
    static let runLockKey: Int64 = 0x5570_526E

    /// Takes the store's copy lock, or returns nil when another copy holds it or a run is
    /// beginning (the caller exits 75). Bounded as opening is: an unreachable server throws.
    public func acquireRunLock() async throws(StoreError) -> PostgresRunLock? {
        let settings = PostgresSettings(location: location, password: password)
        let connection = try await settings.connect(logger: logger, id: 2)
        do {
            let taken =
                try await connection.allRows("SELECT pg_try_advisory_lock(\(Self.runLockKey))", logger: logger)
                .first?.decode(Bool.self) ?? false
            if taken { return PostgresRunLock(connection: connection) }
            try? await connection.close()
            return nil
        } catch {
            try? await connection.close()
            throw translate(error)
        }
    }
}
