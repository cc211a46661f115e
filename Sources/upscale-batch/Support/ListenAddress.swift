import ArgumentParser
import UpscaleBatch

/// `HOST:PORT` for `--listen` (`[::1]:PORT` for IPv6; port 0 lets the OS pick one).
struct ListenAddress: ExpressibleByArgument, Sendable, Equatable {
    let host: String
    let port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        var text = Substring(argument)
        let host: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            text = text[text.index(after: close)...]
            guard text.hasPrefix(":") else { return nil }
            text = text.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            text = text[text.index(after: colon)...]
        }
        // A host holding a control or invisible character is no address (and would be quoted raw).
        guard !host.isEmpty, !host.unicodeScalars.contains(where: { $0 == " " || TextEscaping.isInvisible($0) }),
            let port = Int(text), (0...65535).contains(port)
        else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// A wildcard address cannot be told to the API as a webhook target.
    var isWildcard: Bool { host == "0.0.0.0" || host == "::" || host == "*" }

    /// The host as it goes into a URL.
    var urlHost: String { host.contains(":") ? "[\(host)]" : host }
}

extension ListenAddress {
    var defaultValueDescription: String { "\(urlHost):\(port)" }
}
