import Foundation

/// Decides whether a webhook URL may be contacted: only loopback hosts are, so a simulator
/// fed real job lists never posts to anyone's real endpoint.
enum LoopbackHost {
    /// True for http(s) URLs whose host is 127.0.0.0/8, `localhost` or `::1`.
    static func isLoopbackURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host
        else { return false }
        return isLoopback(host: host)
    }

    static func isLoopback(host raw: String) -> Bool {
        var host = raw.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        if host == "localhost" || host == "localhost." { return true }
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.compactMap { UInt8($0) }
        return values.count == 4 && values[0] == 127
    }
}
