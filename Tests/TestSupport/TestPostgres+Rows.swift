import Foundation
import PostgresNIO
import Synchronization
import UpscaleBatch

extension TestPostgres {
    /// The rows `sql` returns on the database at `url`, each column as text (nil for NULL), by
    /// column name: what a test reads from a store on its own connection, as it reads a SQLite
    /// store with GRDB. Cast non-text columns in the SQL (`cost::text`).
    public static func rows(_ url: String, _ sql: String) async throws -> [[String: String?]] {
        let collected = Mutex<[[String: String?]]>([])
        try await admin(try PostgresLocation(parsing: url)) { connection, logger in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await row in rows {
                var values: [String: String?] = [:]
                for cell in row { values[cell.columnName] = try cell.decode(String?.self) }
                collected.withLock { $0.append(values) }
            }
        }
        return collected.withLock { $0 }
    }

    /// Runs `body` with a fresh database URL on the test server, dropped afterwards; without a
    /// server says loudly that `what` was skipped (a failure in CI, as every PostgreSQL case).
    /// False when `body` did not run.
    @discardableResult
    public static func withDatabase(_ what: String, _ body: (String) async throws -> Void) async throws -> Bool {
        switch availability {
        case .skipped(let message):
            print("*** PostgreSQL case \"\(what)\" \(message) ***")
            return false
        case .missingInCI(let message):
            throw MissingInCI(message: message)
        case .available(let server):
            let database = try await freshDatabase(serverURL: server)
            do { try await body(database.url) } catch {
                await database.drop()
                throw error
            }
            await database.drop()
            return true
        }
    }

    /// PostgreSQL is required (CI) but not configured: the test fails with this.
    public struct MissingInCI: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}

/// A database of `TestPostgres.withDatabase`, for tests that name it `database.url`.
public struct FreshDatabase: Sendable {
    public let url: String

    public init(url: String) {
        self.url = url
    }
}
