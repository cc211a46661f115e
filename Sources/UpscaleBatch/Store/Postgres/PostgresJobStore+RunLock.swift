import Logging
import PostgresNIO

/// The interim run lock on PostgreSQL (issue 12, until runners cooperate): a session advisory
/// lock held on a connection of its own, outside the pool, for the whole run. It dies with the
/// session, so a run killed with SIGKILL (its connection closed by the kernel) or a server
/// restart never leaves it behind.
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
    /// The advisory lock key of `run` ("UpRn").
    static let runLockKey: Int64 = 0x5570_526E

    /// Takes the store's run lock, or returns nil when another process holds it (the caller
    /// exits 75 "already running"). Bounded as opening is: an unreachable server throws.
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
