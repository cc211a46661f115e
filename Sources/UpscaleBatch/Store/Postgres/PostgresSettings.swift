import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// A location and its password turned into postgres-nio's configurations: the pool's, and the
/// one connection that opening a store makes first to learn, within a deadline, whether the
/// server is there and lets us in.
struct PostgresSettings: Sendable {
    var location: PostgresLocation
    var password: String?

    /// Every connection names the store's schema first, so the SQL names its tables bare
    /// (`pg_temp` and `pg_catalog` are still searched, as always), and commits durably
    /// whatever the server's default (`synchronous_commit` on: what keeps money from being
    /// spent twice must survive a server crash); writes that may be lost opt out per
    /// transaction. Set at connect, it costs no round trip per write.
    ///
    /// A session left idle inside a transaction is ended by the server after
    /// `idleInTransactionTimeout`: a runner paused (SIGSTOP) or cut off between two statements
    /// of a transaction would otherwise keep its row locks, and with them every other runner's
    /// writes to those jobs, until it came back.
    var startupParameters: [(String, String)] {
        [
            ("search_path", PostgresJobStore.schema), ("application_name", "upscale-batch"),
            ("synchronous_commit", "on"),
            ("idle_in_transaction_session_timeout", "\(Self.idleInTransactionTimeout * 1000)"),
        ]
    }

    /// Seconds; far longer than any of the tool's transactions waits on its client between
    /// statements (microseconds: they are sent back to back), and under the default lease.
    static let idleInTransactionTimeout = 15

    /// TLS as libpq's `sslmode` means it: `prefer` and `require` encrypt without verifying the
    /// certificate; `verify-full` verifies it against `sslrootcert` (else the system's roots)
    /// and checks the host name.
    func tlsConfiguration() throws(StoreError) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch location.sslMode {
        case .disable: return nil
        case .prefer, .require:
            tls.certificateVerification = .none
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            if let root = location.sslRootCert {
                guard FileManager.default.isReadableFile(atPath: root) else {
                    throw .invalidLocation(detail: "sslrootcert \(TextEscaping.visible(root)) cannot be read")
                }
                tls.trustRoots = .file(root)
            }
        }
        return tls
    }

    /// How long a pooled connection stays open unused.
    static let connectionIdleTimeout = Duration.seconds(5)

    /// The pool's configuration: at most `pool_max` connections, none kept open idle for long.
    func clientConfiguration() throws(StoreError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = location.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socket)/.s.PGSQL.\(location.port)", username: location.user, password: password,
                database: location.database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch (location.sslMode, try tlsConfiguration()) {
            case (.disable, _), (_, nil): tls = .disable
            case (.prefer, let config?): tls = .prefer(config)
            case (_, let config?): tls = .require(config)
            }
            configuration = .init(
                host: location.host ?? "localhost", port: location.port, username: location.user, password: password,
                database: location.database, tls: tls)
        }
        configuration.options.maximumConnections = location.poolMax
        configuration.options.minimumConnections = 0
        // Each time a connection goes back to the pool, postgres-nio arms its idle and
        // keep-alive timers, and cancels them at the next lease; a cancelled timer keeps its
        // memory until its deadline. At the defaults (60 s, 30 s) a run held tens of thousands
        // of them: a 100,000-job run peaked 20 MB above a 10,000-job one. A short idle timeout
        // bounds them to a few seconds' worth; no keep-alive query is needed, as a connection is
        // closed after that idle time anyway (and a call on a lost one is bounded by `LeasedCall`).
        configuration.options.connectionIdleTimeout = Self.connectionIdleTimeout
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = PostgresJobStore.connectTimeout
        configuration.options.additionalStartupParameters = startupParameters
        if location.sslMode == .verifyFull { configuration.options.tlsServerName = location.host }
        return configuration
    }

    /// The single connection's configuration (the probe, and a run's session lock).
    func connectionConfiguration() throws(StoreError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socket = location.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socket)/.s.PGSQL.\(location.port)", username: location.user, password: password,
                database: location.database)
        } else {
            var tls = PostgresConnection.Configuration.TLS.disable
            if let config = try tlsConfiguration() {
                let context: NIOSSLContext
                do { context = try NIOSSLContext(configuration: config) } catch {
                    throw .invalidLocation(detail: "cannot set up TLS: \(error)")
                }
                tls = location.sslMode == .prefer ? .prefer(context) : .require(context)
            }
            configuration = .init(
                host: location.host ?? "localhost", port: location.port, username: location.user, password: password,
                database: location.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = startupParameters
        if location.sslMode == .verifyFull { configuration.options.tlsServerName = location.host }
        return configuration
    }

    /// Connects once within `PostgresJobStore.openDeadline` (a server that does not answer is
    /// `unreachable` in bounded time instead of a hang), runs `body` on that connection and
    /// closes it. Only connecting is bounded: once the server has let us in, `body` (the
    /// schema's check or migration, which may wait for another process's migration) runs as
    /// long as it needs, so a busy server is not taken for an absent one.
    func withProbeConnection<T: Sendable>(
        logger: Logger, _ body: @Sendable @escaping (PostgresConnection, Logger) async throws -> T
    ) async throws(StoreError) -> T {
        let connection = try await connect(logger: logger, id: 1)
        do {
            let value = try await body(connection, logger)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw PostgresErrors.translate(error, location: location)
        }
    }

    /// One connection outside the pool, made within `PostgresJobStore.openDeadline`.
    func connect(logger: Logger, id: Int) async throws(StoreError) -> PostgresConnection {
        let configuration = try connectionConfiguration()
        let location = location
        do {
            return try await PostgresDeadline.run(within: PostgresJobStore.openDeadline) {
                try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
            }
        } catch is PostgresDeadline.Expired {
            throw .unreachable(endpoint: location.endpoint, reason: "no answer within 10 s")
        } catch {
            throw PostgresErrors.translate(error, location: location)
        }
    }
}

/// Runs async work with a deadline: the work is cancelled and `Expired` thrown when it passes.
enum PostgresDeadline {
    struct Expired: Error {}

    static func run<T: Sendable>(
        within limit: Duration, _ work: @Sendable @escaping () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Expired()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Expired() }
            return first
        }
    }
}
