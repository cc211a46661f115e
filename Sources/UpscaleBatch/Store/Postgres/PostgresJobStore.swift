import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// The job store on a PostgreSQL database (schema `upscale_batch`), shared by any number of
/// processes on any hosts: the engine for teams that outgrow one host.
///
/// It behaves as `SQLiteJobStore` does through the contract (one conformance suite runs on
/// both); its SQL is the SQLite engine's, translated. Connections come from one
/// `PostgresClient` per store, run as a service in a task this store owns (cancelled by
/// `close()` or when the store goes away), with at most `?pool_max` connections.
///
/// Opening is bounded: postgres-nio's pool retries a lost server for ever, so the store first
/// connects once by itself (10 s to connect, 15 s in all) and turns what that says into a
/// `StoreError` a user can act on (unreachable: exit 75; refused: exit 2). Every connection of
/// the pool sets `search_path` to the store's schema, so the SQL names tables unqualified.
public final class PostgresJobStore: Sendable {
    /// The store's address (without its password).
    public let location: PostgresLocation
    public let isReadOnly: Bool
    /// Kept for the connections opened beside the pool (the run lock).
    let password: String?
    let client: PostgresClient
    let logger: Logger
    /// Runs `client.run()`; cancelling it closes every connection.
    private let service: Task<Void, Never>
    /// Whether the last call found the server gone (no connection, or one that broke).
    private let serverSeemsDown = Mutex(false)

    /// The schema that holds the store's tables.
    public static let schema = "upscale_batch"
    /// How long connecting may take before the server counts as unreachable (cli.md: 10 s).
    static let connectTimeout: Duration = .seconds(10)
    /// The bound on opening a store, whatever the server does (cli.md: exit 75 within 15 s).
    static let openDeadline: Duration = .seconds(14)

    public var displayName: String { location.displayName }

    private init(
        location: PostgresLocation, password: String?, isReadOnly: Bool, client: PostgresClient, logger: Logger
    ) {
        self.location = location
        self.password = password
        self.isReadOnly = isReadOnly
        self.client = client
        self.logger = logger
        service = Task { await client.run() }
    }

    deinit { service.cancel() }

    /// Closes the store's connections. Further calls fail.
    public func close() { service.cancel() }

    /// Opens an existing store; a database without the schema is `StoreError.noStore`.
    public static func open(
        _ url: String, for access: StoreAccess = .write, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(StoreError) -> PostgresJobStore {
        try await make(url, creating: false, access: access, environment: environment)
    }

    /// Opens the store, creating its schema when the database has none yet: `import`'s way in.
    public static func openOrCreate(
        _ url: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(StoreError) -> PostgresJobStore {
        try await make(url, creating: true, access: .write, environment: environment)
    }

    private static func make(
        _ url: String, creating: Bool, access: StoreAccess, environment: [String: String]
    ) async throws(StoreError) -> PostgresJobStore {
        let location = try PostgresLocation(parsing: url, environment: environment)
        let password = try PostgresPassword.resolve(for: location, environment: environment)
        var logger = Logger(label: "upscale-batch.postgres")
        logger.logLevel = .error
        let settings = PostgresSettings(location: location, password: password)
        let canWrite = try await settings.withProbeConnection(logger: logger) { connection, logger in
            try await PostgresSchema.prepare(on: connection, creating: creating, access: access, store: location, logger: logger)
        }
        if access == .write && !canWrite {
            // As on SQLite: a command that writes names the permission it lacks, up front.
            throw .permission(
                path: location.displayName,
                needed: "the role \(location.user) may only read this store; writing needs USAGE on schema "
                    + "\(schema) and SELECT, INSERT, UPDATE, DELETE on its tables")
        }
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
        return PostgresJobStore(location: location, password: password, isReadOnly: !canWrite, client: client, logger: logger)
    }

    // MARK: Running statements

    /// Runs `body` on one pooled connection (reads; one statement is one snapshot).
    func read<T: Sendable>(_ body: @Sendable @escaping (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await withLeasedConnection(body)
        } catch {
            throw translate(error)
        }
    }

    /// Runs `body` in one read-only REPEATABLE READ transaction: its statements see one
    /// snapshot, as a SQLite read transaction does (the status counts and their duplicate
    /// costs, a report's groups and its duplicates, agree with each other).
    func readSnapshot<T: Sendable>(
        _ body: @Sendable @escaping (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        let logger = logger
        do {
            return try await withLeasedConnection { connection in
                try await connection.inSnapshot(logger: logger) { connection in try await body(connection) }
            }
        } catch {
            throw translate(error)
        }
    }

    /// Runs `body` in one transaction (all of it or none), committed durably unless `durable`
    /// is false: a change that may be lost in a server crash (a poll answer, which is asked
    /// again) then commits without waiting for the disk.
    func write<T: Sendable>(
        durable: Bool = true, _ body: @Sendable @escaping (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        let logger = logger
        do {
            return try await withLeasedConnection { connection in
                try await connection.inTransaction(logger: logger) { connection in
                    // Durable is every connection's setting (PostgresSettings.startupParameters).
                    if !durable { _ = try await connection.allRows("SET LOCAL synchronous_commit = off", logger: logger) }
                    return try await body(connection)
                }
            }
        } catch {
            throw translate(error)
        }
    }

    /// Runs `body`, which makes exactly one statement, outside a transaction block: a single
    /// statement is a transaction of its own, committed durably (every connection's setting),
    /// without the two round trips of a BEGIN and a COMMIT. For the runner's claims and request
    /// ids, each one statement per batch.
    func writeOneStatement<T: Sendable>(
        _ body: @Sendable @escaping (PostgresConnection) async throws -> T
    ) async throws(StoreError) -> T {
        // The same path as a read: one pooled connection, no transaction block.
        try await read(body)
    }

    /// How long a call may wait for a connection before the store counts as unreachable.
    static let leaseDeadline: Duration = .seconds(15)
    /// The same while the last call found the server gone: a run that waits out an outage
    /// then tries every few seconds rather than every 15 (and sees the server back as soon),
    /// and a run past its store grace stops within seconds.
    static let leaseDeadlineWhileDown: Duration = .seconds(2)

    /// Runs `body` on a pooled connection, waiting at most `leaseDeadline` for one: the pool
    /// retries a lost server for ever, so without this bound a command would hang. Once `body`
    /// has its connection it runs as long as it needs (an import, a long list), unless the
    /// connection closes under it (`LeasedCall`).
    func withLeasedConnection<T: Sendable>(
        _ body: @Sendable @escaping (PostgresConnection) async throws -> T
    ) async throws -> T {
        let deadline = serverSeemsDown.withLock { $0 } ? Self.leaseDeadlineWhileDown : Self.leaseDeadline
        do {
            let value = try await LeasedCall.run(on: client, leaseDeadline: deadline, body)
            serverSeemsDown.withLock { $0 = false }
            return value
        } catch is PostgresDeadline.Expired {
            serverSeemsDown.withLock { $0 = true }
            throw StoreError.unreachable(
                endpoint: location.endpoint, reason: "no connection could be had within \(deadline.components.seconds) s")
        } catch {
            if case .unreachable = translate(error) { serverSeemsDown.withLock { $0 = true } }
            throw error
        }
    }

    /// A PostgreSQL failure as a `StoreError` with this store's name.
    func translate(_ error: any Error) -> StoreError {
        PostgresErrors.translate(error, location: location)
    }
}
