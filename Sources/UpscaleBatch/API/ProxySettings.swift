import Foundation

/// The proxy for one target URL, read from the environment as curl reads it.
///
/// - `https_proxy` / `HTTPS_PROXY` for https targets, `http_proxy` / `HTTP_PROXY` for http
///   targets (lowercase wins; curl ignores uppercase `HTTP_PROXY`, but the CLI contract says it
///   is honoured, and this is a command-line tool, not a CGI script), then `all_proxy` /
///   `ALL_PROXY`.
/// - A proxy value may be `host:port`, `http://[user:password@]host[:port]` or
///   `socks5://host[:port]`; the default port is 1080, as in curl.
/// - `no_proxy` / `NO_PROXY`: comma- (or space-) separated host names, domain suffixes (a
///   leading dot is optional), IP addresses, CIDR ranges, or `*` for everything.
/// The environment is passed in, so tests control it.
public struct ProxySettings: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case http, socks5 }

    public var kind: Kind
    public var host: String
    public var port: Int
    /// Basic-auth credentials for an HTTP proxy; never printed.
    public var username: String?
    public var password: String?

    public var description: String {
        let scheme = kind == .http ? "http" : "socks5"
        let credentials = username == nil ? "" : "[REDACTED]@"
        return "\(scheme)://\(credentials)\(host):\(port)"
    }

    /// The proxy to use for `scheme://host`, or nil for a direct connection.
    /// Throws a description of the problem when the proxy value cannot be used.
    public static func resolve(scheme: String, host: String, environment: [String: String]) throws(EnhancorError)
        -> ProxySettings?
    {
        let scheme = scheme.lowercased()
        let names = scheme == "https" ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy", "HTTP_PROXY"]
        guard let value = first(of: names + ["all_proxy", "ALL_PROXY"], in: environment) else { return nil }
        if let noProxy = first(of: ["no_proxy", "NO_PROXY"], in: environment), matchesNoProxy(host: host, list: noProxy) {
            return nil
        }
        return try parse(value)
    }

    /// The first non-empty value among `names`.
    static func first(of names: [String], in environment: [String: String]) -> String? {
        for name in names {
            if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        }
        return nil
    }

    /// Parses a proxy value as curl does (scheme optional, default port 1080).
    static func parse(_ value: String) throws(EnhancorError) -> ProxySettings {
        var rest = Substring(value)
        var kind = Kind.http
        if let range = rest.range(of: "://") {
            switch rest[..<range.lowerBound].lowercased() {
            case "http": kind = .http
            case "socks5", "socks5h": kind = .socks5
            default:
                throw .configuration(detail: "unsupported proxy scheme '\(rest[..<range.lowerBound])' (use http:// or socks5://)")
            }
            rest = rest[range.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = percentDecoded(String(parts[0]))
            password = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
        }
        var host = String(rest)
        var port = 1080
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
                    throw .configuration(detail: "proxy port is not a number")
                }
                port = value
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]), (1...65535).contains(value) else {
                throw .configuration(detail: "proxy port is not a number")
            }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw .configuration(detail: "proxy has no host") }
        return ProxySettings(kind: kind, host: host, port: port, username: username, password: password)
    }

    /// Whether `host` is exempt under a NO_PROXY list (curl's rules, case-insensitive).
    public static func matchesNoProxy(host rawHost: String, list: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        let entries = list.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
        for rawEntry in entries {
            var entry = rawEntry.lowercased()
            if entry == "*" { return true }
            if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                entry = String(entry[entry.index(after: entry.startIndex)..<close])
            }
            if let slash = entry.firstIndex(of: "/"), let bits = Int(entry[entry.index(after: slash)...]) {
                if IPv4.inRange(host: host, network: String(entry[..<slash]), bits: bits) { return true }
                continue
            }
            if entry.hasPrefix(".") { entry.removeFirst() }
            if entry.hasSuffix(".") { entry.removeLast() }
            guard !entry.isEmpty else { continue }
            if host == entry || host.hasSuffix("." + entry) { return true }
        }
        return false
    }

    private static func percentDecoded(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }

    /// Just enough IPv4 for NO_PROXY's CIDR entries.
    private enum IPv4 {
        static func parse(_ text: String) -> UInt32? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts {
                guard let octet = UInt8(part) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            return value
        }

        static func inRange(host: String, network: String, bits: Int) -> Bool {
            guard let address = parse(host), let base = parse(network), (0...32).contains(bits) else { return false }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
            return address & mask == base & mask
        }
    }
}
