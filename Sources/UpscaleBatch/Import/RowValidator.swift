/// Turns CSV records into jobs by the rules below, or says why a row cannot be one.
///
/// Built from the header row: names match case-insensitively after trimming; the URL comes
/// from `url`, else `img_url` (`url` wins when both exist); an optional `mode` column sets the
/// row's mode, blank meaning `defaultMode`. Fields are trimmed of spaces and tabs; missing
/// trailing fields are blank; extra fields are ignored. A URL must be an absolute http(s) URL
/// with a host and a port up to 65535, without whitespace, control or invisible characters,
/// at most 2,048 bytes; it is kept exactly as written (query and fragment included). Works on
/// bytes: it runs once per row of a million-row import.
public struct RowValidator: Sendable {
    /// The longest URL accepted, in bytes.
    public static let maxURLBytes = 2048
    /// How much of an offending value a reason quotes.
    static let quotedValueLimit = 100

    /// The index of the column holding URLs.
    public let urlColumn: Int
    /// The index of the `mode` column, if any.
    public let modeColumn: Int?
    /// The mode of rows whose mode is blank or missing.
    public let defaultMode: Mode

    /// Nil when the header has neither a `url` nor an `img_url` column.
    public init?(header: [String], defaultMode: Mode) {
        let names = header.map { Self.trimmedLowercase($0) }
        guard let column = names.firstIndex(of: "url") ?? names.firstIndex(of: "img_url") else { return nil }
        urlColumn = column
        modeColumn = names.firstIndex(of: "mode")
        self.defaultMode = defaultMode
    }

    /// The job a record describes, or why it cannot be imported.
    public func validate(_ record: CSVRecord) -> RowOutcome {
        let url = Self.trimmed(record.field(urlColumn))
        var mode = defaultMode
        var modeText: ArraySlice<UInt8> = []
        if let modeColumn {
            modeText = Self.trimmed(record.field(modeColumn))
        }
        if url.isEmpty {
            if modeText.isEmpty && (0..<record.count).allSatisfy({ Self.trimmed(record.field($0)).isEmpty }) {
                return .blank
            }
            return .rejected(reason: "no URL")
        }
        if let problem = Self.problem(withURL: url) { return .rejected(reason: problem) }
        if !modeText.isEmpty {
            guard let parsed = Self.mode(modeText) else {
                return .rejected(reason: "unknown mode: \(Self.quoted(modeText)) (use fast or professional)")
            }
            mode = parsed
        }
        return .job(url: url, mode: mode)
    }

    // MARK: - URL

    /// Why `url` (already trimmed, non-empty) is not importable, or nil when it is.
    static func problem(withURL url: ArraySlice<UInt8>) -> String? {
        if url.count > maxURLBytes {
            return "URL is over 2,048 bytes (\(url.count) bytes): \(quoted(url))"
        }
        guard let schemeEnd = url.firstIndex(of: UInt8(ascii: ":")),
            url[url.startIndex..<schemeEnd].allSatisfy(isSchemeByte), schemeEnd > url.startIndex
        else {
            return "URL is not an absolute http(s) URL: \(quoted(url))"
        }
        // Compared as bytes, ASCII case folded: no String per row.
        let schemeBytes = url[url.startIndex..<schemeEnd]
        let isHTTPS = schemeBytes.count == 5
        guard schemeBytes.count == 4 || isHTTPS,
            zip(schemeBytes, "https".utf8).allSatisfy({ $0 | 0x20 == $1 })
        else {
            return "URL is not http(s): \(quoted(url))"
        }
        let scheme = isHTTPS ? "https" : "http"
        var highBits: UInt8 = 0
        for byte in url {
            if byte <= 0x20 || byte == 0x7F {
                return byte == 0x20 || (0x09...0x0D).contains(byte)
                    ? "URL contains whitespace: \(quoted(url))"
                    : "URL contains a control character: \(quoted(url))"
            }
            highBits |= byte
        }
        if highBits & 0x80 != 0 {
            // Only URLs with non-ASCII bytes pay for a String: whitespace, and characters that do
            // not show (a BOM, zero-width spaces, bidi overrides) that would make it look like
            // another URL.
            let scalars = String(decoding: url, as: UTF8.self).unicodeScalars
            if scalars.contains(where: { $0.properties.isWhitespace }) { return "URL contains whitespace: \(quoted(url))" }
            if scalars.contains(where: TextEscaping.isInvisible) {
                return "URL contains an invisible or control character: \(quoted(url))"
            }
        }
        let afterScheme = url[(schemeEnd + 1)...]
        guard afterScheme.starts(with: "//".utf8) else {
            return "URL is not absolute (expected \(scheme)://host/...): \(quoted(url))"
        }
        let authorityStart = afterScheme.startIndex + 2
        let authorityEnd =
            url[authorityStart...].firstIndex(where: {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
            }) ?? url.endIndex
        var hostPort = url[authorityStart..<authorityEnd]
        if let at = hostPort.lastIndex(of: UInt8(ascii: "@")) {
            hostPort = hostPort[(at + 1)...]
        }
        guard let port = portIfHostIsValid(hostPort) else {
            return hostPort.isEmpty ? "URL has no host: \(quoted(url))" : "URL has an invalid host: \(quoted(url))"
        }
        if !port.isEmpty, port.reduce(0, { $0 * 10 + Int($1 - UInt8(ascii: "0")) }) > 65535 {
            return "URL has an invalid port \(quoted(port)) (ports go up to 65535): \(quoted(url))"
        }
        return nil
    }

    /// `host` or `host:port`, with a bracketed IPv6 literal allowed; non-ASCII (IDN) allowed.
    /// The port's digits (up to five, perhaps none) when the host and port are well-formed, else nil.
    private static func portIfHostIsValid(_ hostPort: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var host = hostPort
        var port: ArraySlice<UInt8> = []
        if hostPort.first == UInt8(ascii: "[") {
            guard let close = hostPort.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = hostPort[hostPort.startIndex...close]
            let rest = hostPort[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == UInt8(ascii: ":") else { return nil }
                port = rest.dropFirst()
            }
            guard host.count > 2,
                host.dropFirst().dropLast().allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return nil }
        } else {
            if let colon = hostPort.lastIndex(of: UInt8(ascii: ":")) {
                host = hostPort[..<colon]
                port = hostPort[(colon + 1)...]
            }
            guard !host.isEmpty, host.allSatisfy(isHostByte) else { return nil }
        }
        guard port.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) && port.count <= 5 else { return nil }
        return port
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"), 0x80...0xFF:
            true
        default: false
        }
    }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default: false
        }
    }

    // MARK: - Mode and text

    private static func mode(_ text: ArraySlice<UInt8>) -> Mode? {
        // The two common spellings without building a String; anything else the slow way.
        if text.elementsEqual("fast".utf8) { return .fast }
        if text.elementsEqual("professional".utf8) { return .professional }
        return Mode(userText: String(decoding: text, as: UTF8.self))
    }

    /// Trims spaces and tabs at both ends.
    static func trimmed(_ field: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = field.startIndex
        var end = field.endIndex
        while start < end, field[start] == 0x20 || field[start] == 0x09 { start += 1 }
        while end > start, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
        return field[start..<end]
    }

    private static func trimmedLowercase(_ text: String) -> String {
        String(decoding: trimmed(ArraySlice(text.utf8)), as: UTF8.self).lowercased()
    }

    /// The value as text for a reason: cut to about 100 characters, with control and other
    /// invisible characters escaped (`TextEscaping.visible`), so a reason always stays on its
    /// one `FILE:LINE: reason` line and a rejected value never looks like a valid one.
    static func quoted(_ value: ArraySlice<UInt8>) -> String {
        let text = String(decoding: value, as: UTF8.self)
        let cut = text.count > quotedValueLimit ? String(text.prefix(quotedValueLimit)) + "…" : text
        return TextEscaping.visible(cut)
    }
}
