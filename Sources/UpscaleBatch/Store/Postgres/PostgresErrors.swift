import NIOCore
import NIOSSL
import PostgresNIO

/// postgres-nio's and the server's errors as `StoreError`s a user can act on (cli.md, "Job store
/// engines"): cannot connect is `unreachable` (exit 75); a refused login, role or database and a
/// TLS failure are `loginRefused` (exit 2); overload, timeouts and locks are `unavailable`
/// (exit 75); anything else keeps the server's own words.
///
/// `PSQLError`'s own description hides everything (it may hold query values), so the server's
/// message and SQLSTATE are read from its fields; they never hold a password.
enum PostgresErrors {
    /// SQLSTATEs of a login the server refused: the same settings will fail again.
    static let refusedLogin: Set<String> = ["28P01", "28000", "3D000", "42704"]
    /// SQLSTATEs of a server that cannot serve now: too many connections, out of resources,
    /// a statement or lock timeout, a serialization failure or deadlock, shutting down, or our
    /// session ended for sitting idle inside a transaction (25P03: the process was paused
    /// mid-transaction, `PostgresSettings.idleInTransactionTimeout`; the transaction was rolled
    /// back and the next try takes a fresh connection).
    static let transient: Set<String> = [
        "53300", "53000", "53100", "53200", "57014", "55P03", "40001", "40P01", "57P01", "57P02", "57P03", "08006",
        "08001", "08004", "25P03",
    ]

    static func translate(_ error: any Error, location: PostgresLocation) -> StoreError {
        let store = location.displayName
        switch error {
        case let error as StoreError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError {
                return translate(inner, location: location)
            }
            return .postgres(store: store, detail: "a transaction failed")
        case let error as PSQLError:
            return translate(error, location: location)
        case let error as NIOSSLError:
            return .loginRefused(store: store, detail: "TLS failed: \(error)")
        case let error as PostgresConnectionLost:
            return .unreachable(endpoint: location.endpoint, reason: error.description)
        case is CancellationError:
            return .unavailable(store: store, detail: "the work was cancelled")
        default:
            return .postgres(store: store, detail: String(describing: error))
        }
    }

    private static func translate(_ error: PSQLError, location: PostgresLocation) -> StoreError {
        let store = location.displayName
        if error.code == .server, let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            let message = info[.message] ?? "the server refused (SQLSTATE \(state))"
            if refusedLogin.contains(state) { return .loginRefused(store: store, detail: message) }
            if state == "42501" { return .permission(path: store, needed: message) }
            if transient.contains(state) { return .unavailable(store: store, detail: message) }
            return .postgres(store: store, detail: "\(message) (SQLSTATE \(state))")
        }
        let underlying = error.underlying.map { String(describing: $0) }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            if let underlying, underlying.contains("SSL") || underlying.contains("TLS") || underlying.contains("certificate") {
                return .loginRefused(store: store, detail: "TLS failed: \(underlying)")
            }
            return .unreachable(endpoint: location.endpoint, reason: reason(underlying ?? "\(error.code)"))
        case .sslUnsupported:
            return .loginRefused(
                store: store, detail: "the server does not offer TLS, which sslmode=\(location.sslMode.rawValue) requires")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return .loginRefused(store: store, detail: "TLS failed: \(underlying ?? "\(error.code)")")
        case .authMechanismRequiresPassword:
            return .loginRefused(
                store: store,
                detail: "the server asks for a password: set PGPASSWORD, UPSCALE_DB_PASSWORD_FILE or ~/.pgpass")
        case .unsupportedAuthMechanism, .saslError:
            return .loginRefused(store: store, detail: "authentication failed (\(error.code))")
        case .queryCancelled:
            return .unavailable(store: store, detail: "the statement was cancelled")
        default:
            return .postgres(store: store, detail: underlying ?? "\(error.code)")
        }
    }

    /// A connection failure in a user's words.
    private static func reason(_ text: String) -> String {
        let lowered = text.lowercased()
        if lowered.contains("refused") { return "connection refused" }
        if lowered.contains("no such host") || lowered.contains("name or service not known") || lowered.contains("resolve") {
            return "unknown host"
        }
        if lowered.contains("timed out") || lowered.contains("timeout") { return "no answer within 10 s" }
        if lowered.contains("no such file") { return "no server listening on that socket" }
        return text
    }
}
