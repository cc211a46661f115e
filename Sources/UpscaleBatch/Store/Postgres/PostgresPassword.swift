import Foundation

/// Where a PostgreSQL store's password comes from, in libpq's order: the URL (only from
/// `UPSCALE_DB`: the command line refuses it), then `PGPASSWORD` or the file named by
/// `UPSCALE_DB_PASSWORD_FILE` (never both), then `~/.pgpass`. None: no password (trust, peer
/// or a certificate may be enough).
///
/// The password file is refused unless only its owner may read it, as ssh refuses private
/// keys: a password that others can read is no longer a secret. `~/.pgpass` readable by group
/// or others is skipped, as libpq skips it.
public enum PostgresPassword {
    /// The password for `location`, or nil.
    public static func resolve(
        for location: PostgresLocation, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(StoreError) -> String? {
        if let password = location.urlPassword { return password }
        let fromVariable = environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let file = environment["UPSCALE_DB_PASSWORD_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if fromVariable != nil && file != nil {
            throw .invalidLocation(
                detail: "both PGPASSWORD and UPSCALE_DB_PASSWORD_FILE are set; keep one of them")
        }
        if let fromVariable { return fromVariable }
        if let file { return try read(passwordFile: file) }
        return passFileEntry(for: location, environment: environment)
    }

    /// The password held in `path` (a trailing newline dropped), if only its owner may read it.
    static func read(passwordFile path: String) throws(StoreError) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .invalidLocation(
                detail:
                    "UPSCALE_DB_PASSWORD_FILE \(TextEscaping.visible(path)) cannot be read: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .invalidLocation(
                detail: "UPSCALE_DB_PASSWORD_FILE \(TextEscaping.visible(path)) may be read by others "
                    + "(mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw .invalidLocation(detail: "UPSCALE_DB_PASSWORD_FILE \(TextEscaping.visible(path)) cannot be read as text")
        }
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty else {
            throw .invalidLocation(detail: "UPSCALE_DB_PASSWORD_FILE \(TextEscaping.visible(path)) is empty")
        }
        return text
    }

    /// The first matching line of the password file (`PGPASSFILE`, else `~/.pgpass`, with the
    /// home directory from the password database when `HOME` is unset, as under cron).
    static func passFileEntry(for location: PostgresLocation, environment: [String: String]) -> String? {
        guard let path = passFilePath(environment: environment) else { return nil }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 == 0,
            let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { return nil }
        let wanted = [location.passwordFileHost, String(location.port), location.database, location.user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = splitPassFileLine(String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func passFilePath(environment: [String: String]) -> String? {
        if let explicit = environment["PGPASSFILE"], !explicit.isEmpty { return explicit }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.pgpass" }
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory) + "/.pgpass"
    }

    /// `host:port:db:user:password` with `\:` and `\\` escapes, as libpq reads it.
    static func splitPassFileLine(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
