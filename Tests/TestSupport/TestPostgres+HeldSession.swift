import Foundation
import PostgresNIO
import UpscaleBatch

extension TestPostgres {
    /// Another session that holds a lock while a test makes the store meet it: it begins a
    /// transaction, runs `take` (a `LOCK TABLE`, a `SELECT ... FOR UPDATE`) and returns once the
    /// lock is held; `release` runs `finish` in that transaction (what the other session writes
    /// before it ends, then its `COMMIT` or `ROLLBACK`) and waits for the session to end.
    public final class HeldSession: Sendable {
        private let released: AsyncStream<Void>.Continuation
        private let session: Task<Void, any Error>

        fileprivate init(released: AsyncStream<Void>.Continuation, session: Task<Void, any Error>) {
            self.released = released
            self.session = session
        }

        /// Lets the session finish; throws what the session met (its statements' errors).
        public func release() async throws {
            released.yield()
            try await session.value
        }
    }

    /// Holds `take` on the database at `url` in a session of its own until `release`.
    public static func holding(_ url: String, take: String, finish: [String] = ["ROLLBACK"]) async throws -> HeldSession {
        let location = try PostgresLocation(parsing: url)
        let held = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let session = Task {
            defer { held.continuation.finish() }
            try await admin(location) { connection, logger in
                try await connection.query("BEGIN", logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: take), logger: logger)
                held.continuation.yield()
                for await _ in release.stream { break }
                for statement in finish { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            }
        }
        var holds = false
        for await _ in held.stream {
            holds = true
            break
        }
        // A session that failed before it held the lock says why here, not at `release`.
        if !holds { try await session.value }
        return HeldSession(released: release.continuation, session: session)
    }
}
