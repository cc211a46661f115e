import Logging
import NIOCore
import PostgresNIO

/// Statements the store runs, on postgres-nio's collect-all path rather than its async row
/// sequence.
///
/// Why: postgres-nio 1.33.2 traps (a precondition in its RowStreamStateMachine, "receive a
/// body part after a channelReadComplete") when the server dies while an async row sequence is
/// being read, which takes the whole process down in the middle of a run. The collect-all
/// path (`PostgresConnection.query(_:logger:) -> EventLoopFuture`) gathers the rows on the
/// event loop and fails with a connection error instead, which the runner waits out as a
/// lost store. Reads that may return many rows page through a cursor (`forEachRow`), so the
/// memory stays flat without the async sequence. (The schema check when a store opens still
/// uses postgres-nio's own API: it runs before any work, so a server lost then fails the open.)
extension PostgresConnection {
    /// Every row of `query`, gathered on the event loop.
    func allRows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await result.get().rows
    }

    /// Runs `body` between BEGIN and COMMIT (ROLLBACK when it throws), on the collect-all
    /// path, throwing `body`'s own error unwrapped. postgres-nio's `withTransaction` sends its
    /// BEGIN and COMMIT through the async row sequence (see above) and wraps every error.
    ///
    /// A ROLLBACK that fails (the connection is gone) is not reported: the server rolls back
    /// a transaction whose connection closed, and the caller's error says what happened.
    func inTransaction<T>(
        logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        _ = try await allRows("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            _ = try? await allRows("ROLLBACK", logger: logger)
            throw error
        }
        _ = try await allRows("COMMIT", logger: logger)
        return value
    }

    /// Runs `body` in one REPEATABLE READ, read-only transaction: every statement of it sees
    /// one snapshot, as a SQLite read transaction does.
    func inSnapshot<T>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await inTransaction(logger: logger) { connection in
            _ = try await connection.allRows("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    /// Calls `body` with each row of `query`, fetched `page` rows at a time through a cursor:
    /// flat memory however many rows there are, and no async row sequence. Runs inside the
    /// caller's transaction (a cursor lives in one), usually `inSnapshot`'s.
    func forEachRow(
        _ query: PostgresQuery, page: Int = 2000, logger: Logger, _ body: (PostgresRow) async throws -> Void
    ) async throws {
        var declare = PostgresQuery(unsafeSQL: "DECLARE upscale_rows NO SCROLL CURSOR FOR ", binds: query.binds)
        declare.sql += query.sql
        _ = try await allRows(declare, logger: logger)
        let fetch = PostgresQuery(unsafeSQL: "FETCH FORWARD \(page) FROM upscale_rows")
        while true {
            let rows = try await allRows(fetch, logger: logger)
            for row in rows { try await body(row) }
            if rows.count < page { break }
        }
        _ = try await allRows("CLOSE upscale_rows", logger: logger)
    }
}
