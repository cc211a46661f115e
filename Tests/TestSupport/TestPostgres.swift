import Foundation
import Logging
import PostgresNIO
import UpscaleBatch

/// The test PostgreSQL server named by `UPSCALE_TEST_POSTGRES` (a URL whose user may CREATE
/// DATABASE; `scripts/test-postgres.sh start` prints one), and a fresh database per test on it.
///
/// Unset: in CI (`CI` set) that is a failure, never a silent skip; on a developer's machine the
/// PostgreSQL cases say loudly that they were skipped, and pass.
public enum TestPostgres {
    /// The variable that carries the test server's URL.
    public static let variable = "UPSCALE_TEST_POSTGRES"

    public enum Availability: Sendable {
        case available(String)
        case skipped(String)
        case missingInCI(String)
    }

    public static var availability: Availability {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment[variable], !url.isEmpty { return .available(url) }
        if let ci = environment["CI"], !ci.isEmpty {
            return .missingInCI("\(variable) is unset in CI: the PostgreSQL engine's tests cannot run (.ci/run starts a server)")
        }
        return .skipped("skipped: set \(variable) (scripts/test-postgres.sh start prints a URL) to run the PostgreSQL cases")
    }

    /// A database made for one test; `drop()` removes it.
    public struct Database: Sendable {
        /// The URL of the new database (the server's URL with its database name replaced).
        public let url: String
        let name: String
        let server: PostgresLocation

        /// Drops the database, ending any session still on it.
        public func drop() async {
            try? await TestPostgres.admin(server) { connection, logger in
                try await connection.query(
                    "DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: logger)
            }
        }
    }

    /// Creates an empty database on the test server. Throws when the server cannot make one.
    public static func freshDatabase(serverURL: String) async throws -> Database {
        let server = try PostgresLocation(parsing: serverURL)
        let name = "ub_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await admin(server) { connection, logger in
            try await connection.query("CREATE DATABASE \(unescaped: String(name))", logger: logger)
        }
        return Database(url: replacingDatabase(in: serverURL, with: String(name)), name: String(name), server: server)
    }

    /// `url` naming database `name` instead of its own (parameters kept).
    public static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }

    /// Runs `body` on a connection to the server's own database (the one the URL names).
    public static func admin(
        _ server: PostgresLocation, _ body: @Sendable (PostgresConnection, Logger) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test-postgres")
        logger.logLevel = .error
        let configuration: PostgresConnection.Configuration
        if let socket = server.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socket)/.s.PGSQL.\(server.port)", username: server.user,
                password: ProcessInfo.processInfo.environment["PGPASSWORD"], database: server.database)
        } else {
            configuration = .init(
                host: server.host ?? "127.0.0.1", port: server.port, username: server.user,
                password: ProcessInfo.processInfo.environment["PGPASSWORD"], database: server.database, tls: .disable)
        }
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 99, logger: logger)
        do {
            try await body(connection, logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }
}
