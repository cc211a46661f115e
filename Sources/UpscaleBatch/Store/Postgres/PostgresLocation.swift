import Foundation

/// A PostgreSQL job store's address as the user named it (`postgres://` or `postgresql://`),
/// completed the way libpq completes it: what the URL leaves out comes from `PGUSER`,
/// `PGSSLMODE` and `PGSSLROOTCERT`, then libpq's defaults (the user's login name, port 5432,
/// a database named after the user).
///
/// The password is never part of `displayName` (every message shows that) and is resolved
/// separately (`PostgresPassword`), so nothing that prints a location can leak it.
public struct PostgresLocation: Sendable, Equatable {
    /// How the connection is protected, as libpq's `sslmode` says it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without verifying the certificate (libpq's default).
        case prefer
        /// TLS or nothing, without verifying the certificate (libpq's meaning without a root cert).
        case require
        /// TLS with the certificate verified against `sslrootcert` (or the system's roots) and
        /// the host name checked.
        case verifyFull = "verify-full"
    }

    public var user: String
    /// The TCP host; nil when `socketDirectory` is used.
    public var host: String?
    public var port: Int
    public var database: String
    /// A Unix-socket directory (`?host=/run/postgresql`), as libpq takes it.
    public var socketDirectory: String?
    public var sslMode: SSLMode
    public var sslRootCert: String?
    /// Connections one process may open (`?pool_max=N`, default 4).
    public var poolMax: Int
    /// A password written in the URL (only `UPSCALE_DB` may carry one; `--db` refuses it).
    public var urlPassword: String?

    /// The default of `?pool_max`: the runner's feeder, its committer, the poller and one for
    /// the webhook receiver or a read beside them.
    public static let defaultPoolMax = 4

    /// Whether `text` names a PostgreSQL store rather than a file.
    public static func isURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Whether the URL `text` holds a password (`postgres://user:secret@host/db`, or a
    /// `password=` parameter): the command line refuses such a URL, as argv is visible in `ps`.
    public static func urlHoldsPassword(_ text: String) -> Bool {
        guard let components = URLComponents(string: text) else { return false }
        if components.percentEncodedPassword != nil { return true }
        return components.queryItems?.contains { $0.name == "password" } ?? false
    }

    /// Parses `text`; `environment` supplies libpq's variables and `loginName` libpq's default user.
    public init(
        parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        loginName: String? = PostgresLocation.currentLoginName()
    ) throws(StoreError) {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw .invalidLocation(detail: "not a postgres:// URL: \(Self.redacted(text))")
        }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "sslrootcert", "host", "port", "pool_max", "user", "dbname", "password"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidLocation(
                detail: "unknown parameter '\(unknown)' in \(Self.redacted(text)) (known: sslmode, sslrootcert, host, pool_max)")
        }

        let urlUser = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? parameters["user"]
        guard let user = urlUser ?? environment["PGUSER"].flatMap({ $0.isEmpty ? nil : $0 }) ?? loginName else {
            throw .invalidLocation(detail: "no user in \(Self.redacted(text)), PGUSER is unset and the login name is unknown")
        }
        self.user = user
        urlPassword = components.password ?? parameters["password"]

        var host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        if let bracketed = host, bracketed.hasPrefix("["), bracketed.hasSuffix("]") {
            host = String(bracketed.dropFirst().dropLast())
        }
        if let socket = parameters["host"], !socket.isEmpty {
            guard socket.hasPrefix("/") else {
                throw .invalidLocation(detail: "?host= must be a Unix-socket directory (an absolute path), got '\(socket)'")
            }
            socketDirectory = socket
            host = nil
        } else {
            socketDirectory = nil
            host = host ?? "localhost"
        }
        self.host = host

        if let portText = parameters["port"] ?? components.port.map(String.init) {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw .invalidLocation(detail: "port '\(portText)' is not a port number (1-65535)")
            }
            self.port = port
        } else {
            port = 5432
        }

        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = parameters["dbname"] ?? (path.isEmpty ? nil : path)
        self.database = database ?? user

        let modeText = parameters["sslmode"] ?? environment["PGSSLMODE"].flatMap { $0.isEmpty ? nil : $0 } ?? "prefer"
        guard let mode = SSLMode(rawValue: modeText) else {
            throw .invalidLocation(
                detail: "sslmode '\(modeText)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        sslMode = mode
        sslRootCert = parameters["sslrootcert"] ?? environment["PGSSLROOTCERT"].flatMap { $0.isEmpty ? nil : $0 }

        if let poolText = parameters["pool_max"] {
            guard let pool = Int(poolText), (1...1000).contains(pool) else {
                throw .invalidLocation(detail: "pool_max '\(poolText)' is not a number of connections (1-1000)")
            }
            poolMax = pool
        } else {
            poolMax = Self.defaultPoolMax
        }
    }

    /// `HOST:PORT` (or the socket directory), as "cannot reach the job store at ..." names it.
    public var endpoint: String {
        if let socketDirectory { return "\(socketDirectory)/.s.PGSQL.\(port)" }
        let shownHost = (host ?? "localhost").contains(":") ? "[\(host ?? "")]" : (host ?? "localhost")
        return "\(shownHost):\(port)"
    }

    /// The store as every message shows it: `postgres://USER@HOST:PORT/DBNAME`, never a password.
    public var displayName: String {
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? user
        let encodedDatabase = database.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? database
        if let socketDirectory {
            return "postgres://\(encodedUser)@/\(encodedDatabase)?host=\(socketDirectory)&port=\(port)"
        }
        return "postgres://\(encodedUser)@\(endpoint)/\(encodedDatabase)"
    }

    /// The host name `~/.pgpass` is matched against: libpq uses `localhost` for a socket.
    var passwordFileHost: String { host ?? "localhost" }

    /// `text` with any password replaced, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(a URL that does not parse)" }
        if components.password != nil { components.password = "***" }
        components.queryItems = components.queryItems?.map {
            $0.name == "password" ? URLQueryItem(name: "password", value: "***") : $0
        }
        return components.string ?? "(a URL that does not parse)"
    }

    /// libpq's default user: the login name of the process's user.
    public static func currentLoginName() -> String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
