import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The downloader against a hostile local server: wrong types, lies, huge bodies, expired
/// URLs, redirects, stale and locked partial files.
@Suite("Result downloader, hostile results", .bounded)
struct ResultDownloaderTests {
    typealias Support = ResultTestSupport
    typealias Reply = ResultTestServer.Reply

    /// A store, an output directory and a server with `routes`; everything cleaned up after `body`.
    func with(
        _ routes: [String: Reply], _ body: (SQLiteJobStore, String, ResultTestServer) async throws -> Void
    ) async throws {
        let temporary = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: temporary)
        let server = try ResultTestServer.start(routes)
        defer { server.stop() }
        try await body(store, temporary.file("out"), server)
    }

    static let png = Reply(headers: ["Content-Type": "image/png"], body: .bytes(Support.pngBytes))

    @Test("a result served as text/html is refused, permanently, and nothing is kept")
    func htmlRefused() async throws {
        try await with(["/page": Reply(headers: ["Content-Type": "text/html"], body: .bytes(Array("<html>expired</html>".utf8)))])
        {
            store, out, server in
            let id = try Support.stageCompleted(store, sourceURL: "https://img.example/a.jpg", resultURL: server.origin + "/page")
            let summary = try await Support.pass(store, out)
            #expect(summary.failed == 1 && summary.downloaded == 0)
            let columns = try Support.columns(store, id)
            #expect(columns.state == "COMPLETED")
            #expect(columns.downloadedAt == nil)
            #expect(columns.error?.hasPrefix("permanent: not an image: Content-Type 'text/html'") == true)
            #expect(Support.entries(out).isEmpty)
        }
    }

    @Test("image/png whose bytes are not an image is refused")
    func lyingContentType() async throws {
        try await with([
            "/lie.png": Reply(headers: ["Content-Type": "image/png"], body: .bytes(Array("<html>not really a png</html>".utf8)))
        ]) {
            store, out, server in
            let id = try Support.stageCompleted(
                store, sourceURL: "https://img.example/a.jpg", resultURL: server.origin + "/lie.png")
            let summary = try await Support.pass(store, out)
            #expect(summary.failed == 1)
            #expect(try Support.columns(store, id).error == "permanent: not an image: the bytes are not PNG, JPEG, WebP or GIF")
            #expect(Support.entries(out).isEmpty)
        }
    }

    @Test("a chunked body over the limit stops the transfer and leaves no file")
    func overLimitStreaming() async throws {
        let total = 64 * 1024 * 1024
        let huge = Reply(headers: ["Content-Type": "image/png"], body: .endlessChunked(prefix: Support.pngBytes, count: total))
        try await with(["/huge.png": huge]) { store, out, server in
            let id = try Support.stageCompleted(
                store, sourceURL: "https://img.example/big.jpg", resultURL: server.origin + "/huge.png")
            let summary = try await Support.pass(store, out, maxBytes: 256 * 1024)
            #expect(summary.failed == 1 && summary.bytes == 0)
            #expect(try Support.columns(store, id).error?.contains("larger than the limit of 262144 bytes") == true)
            #expect(Support.entries(out).isEmpty)
            #expect(server.bytesSent("/huge.png") < total)
        }
    }

    @Test("a Content-Length over the limit is refused before reading the body")
    func overLimitDeclared() async throws {
        try await with(["/big.png": Self.png]) { store, out, server in
            let id = try Support.stageCompleted(
                store, sourceURL: "https://img.example/big.jpg", resultURL: server.origin + "/big.png")
            let summary = try await Support.pass(store, out, maxBytes: 100)
            #expect(summary.failed == 1)
            #expect(try Support.columns(store, id).error?.hasPrefix("permanent: the result is larger than the limit") == true)
            #expect(Support.entries(out).isEmpty)
        }
    }

    @Test("expired URLs (403, 404, 410) are recorded clearly and not retried; 503 is retried")
    func expiredAndTransient() async throws {
        let routes: [String: Reply] = [
            "/gone": Reply(status: 410), "/forbidden": Reply(status: 403), "/busy": Reply(status: 503),
        ]
        try await with(routes) { store, out, server in
            let gone = try Support.stageCompleted(
                store, sourceURL: "https://img.example/1.jpg", resultURL: server.origin + "/gone")
            let forbidden = try Support.stageCompleted(
                store, sourceURL: "https://img.example/2.jpg", resultURL: server.origin + "/forbidden")
            let missing = try Support.stageCompleted(
                store, sourceURL: "https://img.example/3.jpg", resultURL: server.origin + "/missing")
            let busy = try Support.stageCompleted(
                store, sourceURL: "https://img.example/4.jpg", resultURL: server.origin + "/busy")
            let first = try await Support.pass(store, out)
            #expect(first.failed == 4)
            #expect(
                try Support.columns(store, gone).error
                    == "permanent: result URL expired or gone (HTTP 410); run the job again to get a new one")
            #expect(try Support.columns(store, forbidden).error?.contains("(HTTP 403)") == true)
            #expect(try Support.columns(store, missing).error?.contains("(HTTP 404)") == true)
            #expect(try Support.columns(store, busy).error == "HTTP 503 from the result server; will retry")

            let second = try await Support.pass(store, out)
            #expect(second.failed == 1 && second.notRetried == 3)
            #expect(server.hits("/busy") == 2 && server.hits("/gone") == 1)

            let third = try await Support.pass(store, out, retry: true)
            #expect(third.failed == 4 && third.notRetried == 0)
            #expect(server.hits("/gone") == 2)
        }
    }

    @Test("redirects are followed a few times, only to http(s)")
    func redirects() async throws {
        let routes: [String: Reply] = [
            "/r1": Reply(status: 302, headers: ["Location": "/r2"]),
            "/r2": Reply(status: 301, headers: ["Location": "/img.png"]),
            "/img.png": Self.png,
            "/loop": Reply(status: 307, headers: ["Location": "/loop"]),
            "/file": Reply(status: 302, headers: ["Location": "file:///etc/passwd"]),
        ]
        try await with(routes) { store, out, server in
            let ok = try Support.stageCompleted(
                store, sourceURL: "https://img.example/ok.jpg", resultURL: server.origin + "/r1?sig=1")
            let loop = try Support.stageCompleted(
                store, sourceURL: "https://img.example/loop.jpg", resultURL: server.origin + "/loop")
            let file = try Support.stageCompleted(
                store, sourceURL: "https://img.example/file.jpg", resultURL: server.origin + "/file")
            let ftp = try Support.stageCompleted(
                store, sourceURL: "https://img.example/ftp.jpg", resultURL: "ftp://127.0.0.1/x.png")
            let summary = try await Support.pass(store, out)
            #expect(summary.downloaded == 1 && summary.failed == 3)
            #expect(try Support.columns(store, ok).path == out + "/\(ok)-ok.png")
            #expect(try Support.columns(store, loop).error == "permanent: more than 5 redirects")
            #expect(server.hits("/loop") == 6)
            #expect(try Support.columns(store, file).error?.contains("not an absolute http(s) URL (scheme 'file')") == true)
            #expect(try Support.columns(store, ftp).error?.contains("scheme 'ftp'") == true)
            #expect(Support.entries(out) == ["\(ok)-ok.png"])
        }
    }

    @Test("a stale .partial from a killed download is replaced by a clean, whole result")
    func stalePartial() async throws {
        try await with(["/img.png": Self.png]) { store, out, server in
            let id = try Support.stageCompleted(
                store, sourceURL: "https://img.example/face.jpg", resultURL: server.origin + "/img.png")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
            let partial = out + "/.\(id)-face.partial"
            try Data(repeating: 0x58, count: 10_000).write(to: URL(fileURLWithPath: partial))
            let summary = try await Support.pass(store, out)
            #expect(summary.downloaded == 1 && summary.bytes == Int64(Support.pngBytes.count))
            let columns = try Support.columns(store, id)
            let path = out + "/\(id)-face.png"
            #expect(columns.path == path)
            #expect(columns.bytes == Int64(Support.pngBytes.count))
            #expect(columns.error == nil)
            #expect(columns.downloadedAt?.hasSuffix("Z") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(Support.pngBytes))
            #expect(try await columns.sha256 == Support.sha256sum(path))
            #expect(Support.entries(out) == ["\(id)-face.png"])
        }
    }

    @Test("a .partial locked by another download is left alone")
    func lockedPartial() async throws {
        try await with(["/img.png": Self.png]) { store, out, server in
            let id = try Support.stageCompleted(
                store, sourceURL: "https://img.example/face.jpg", resultURL: server.origin + "/img.png")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
            let holder = open(out + "/.\(id)-face.partial", O_RDWR | O_CREAT, 0o644)
            #expect(flock(holder, LOCK_EX) == 0)
            let summary = try await Support.pass(store, out)
            #expect(summary.downloaded == 0 && summary.failed == 0 && summary.skipped == 1)
            #expect(server.hits("/img.png") == 0)
            #expect(try Support.columns(store, id).downloadedAt == nil)
            close(holder)
            let again = try await Support.pass(store, out)
            #expect(again.downloaded == 1)
        }
    }

    @Test("hostile source names still land inside the output directory")
    func hostileSourceNames() async throws {
        try await with(["/img.png": Self.png]) { store, out, server in
            var ids: [Int64] = []
            for source in ResultFileNameTests.hostile.filter({ $0.hasPrefix("https://") }) {
                ids.append(try Support.stageCompleted(store, sourceURL: source, resultURL: server.origin + "/img.png"))
            }
            let summary = try await Support.pass(store, out)
            #expect(summary.downloaded == ids.count)
            for id in ids {
                let path = try #require(try Support.columns(store, id).path)
                #expect((path as NSString).deletingLastPathComponent == out)
                #expect(FileManager.default.fileExists(atPath: path))
            }
            #expect(Support.entries(out).count == ids.count)
        }
    }

    @Test("the output directory is created, but not its parents")
    func outputDirectory() throws {
        let temporary = TemporaryDirectory()
        let created = try OutputDirectory.prepare(temporary.file("new"))
        #expect(created == temporary.file("new"))
        #expect(throws: DownloadSetupError.self) { try OutputDirectory.prepare(temporary.file("missing/new")) }
        try Data().write(to: URL(fileURLWithPath: temporary.file("plain")))
        #expect(throws: DownloadSetupError.self) { try OutputDirectory.prepare(temporary.file("plain")) }
    }
}
