import Foundation
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 (OS-picked port) for hostile result downloads: each
/// path answers with a fixed status, headers and body (which may be huge, chunked, or a lie).
/// Plain POSIX sockets, one thread per connection, `Connection: close` on every answer, so
/// the test controls every byte on the wire.
final class ResultTestServer: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        /// `count` copies of `prefix`-then-filler, sent in 64 KiB chunks with chunked encoding
        /// (no Content-Length, so only the client's running count can stop it).
        case endlessChunked(prefix: [UInt8], count: Int)
    }

    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Body

        init(status: Int = 200, headers: [String: String] = [:], body: Body = .bytes([])) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    let port: Int
    private let listener: Int32
    private let routes: [String: Reply]
    private let hits = Mutex<[String: Int]>([:])
    /// Bytes each route's answer actually got onto the wire (a refused body stops early).
    private let sent = Mutex<[String: Int]>([:])

    var origin: String { "http://127.0.0.1:\(port)" }

    /// How many requests `path` received.
    func hits(_ path: String) -> Int { hits.withLock { $0[path] ?? 0 } }

    private init(port: Int, listener: Int32, routes: [String: Reply]) {
        self.port = port
        self.listener = listener
        self.routes = routes
    }

    /// Starts serving `routes` (keyed by path, query excluded); unknown paths answer 404.
    static func start(_ routes: [String: Reply]) throws -> ResultTestServer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let server = ResultTestServer(port: Int(UInt16(bigEndian: address.sin_port)), listener: fd, routes: routes)
        Thread.detachNewThread { server.acceptLoop() }
        return server
    }

    /// Stops accepting (connections being served finish on their own).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread.detachNewThread { self.serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            request.append(contentsOf: buffer[0..<count])
            if request.count > 64 * 1024 { return }
        }
        let line = String(decoding: request.prefix { $0 != 0x0D }, as: UTF8.self)
        let target = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let path = String(target.prefix { $0 != "?" })
        hits.withLock { $0[path, default: 0] += 1 }
        let reply = routes[path] ?? Reply(status: 404, headers: ["Content-Type": "text/plain"], body: .bytes(Array("no".utf8)))
        var head = "HTTP/1.1 \(reply.status) X\r\nConnection: close\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        switch reply.body {
        case .bytes(let bytes):
            if reply.headers["Content-Length"] == nil { head += "Content-Length: \(bytes.count)\r\n" }
            head += "\r\n"
            guard send(connection, Array(head.utf8)) else { return }
            _ = send(connection, bytes)
            sent.withLock { $0[path, default: 0] += bytes.count }
        case .endlessChunked(let prefix, let count):
            head += "Transfer-Encoding: chunked\r\n\r\n"
            guard send(connection, Array(head.utf8)) else { return }
            let chunkSize = 64 * 1024
            var remaining = count
            var first = true
            while remaining > 0 {
                var chunk = first ? prefix : []
                first = false
                chunk += [UInt8](repeating: 0x41, count: max(0, min(chunkSize, remaining) - chunk.count))
                remaining -= chunk.count
                let framed = Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + Array("\r\n".utf8)
                guard send(connection, framed) else { return }
                sent.withLock { $0[path, default: 0] += chunk.count }
            }
            _ = send(connection, Array("0\r\n\r\n".utf8))
        }
    }

    /// Body bytes written for `path` before the client went away.
    func bytesSent(_ path: String) -> Int { sent.withLock { $0[path] ?? 0 } }

    private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Foundation.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}

extension [UInt8] {
    fileprivate var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for index in 0...(count - 4)
        where self[index] == 0x0D && self[index + 1] == 0x0A && self[index + 2] == 0x0D && self[index + 3] == 0x0A {
            return true
        }
        return false
    }
}
