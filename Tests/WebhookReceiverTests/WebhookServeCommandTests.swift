import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
import UpscaleBatch

/// `upscale-batch webhook serve` as users run it: the built binary in its own process.
@Suite(.bounded) struct WebhookServeCommandTests {
    /// Starts `upscale-batch arguments...` in a fresh temporary directory.
    private func launch(_ arguments: [String]) throws -> RunningBinary {
        let directory = NSTemporaryDirectory() + "serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try BinaryRunner(directory: directory).start(arguments)
    }

    @Test func serveRecordsAWebhookAndExitsZeroOnSIGTERM() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1", cost: 480)
            let secret = try await store.store.webhookSecret()
            let serve = try launch(["webhook", "serve", "--listen", "127.0.0.1:0", "--db", store.path])
            defer { serve.signal(SIGINT) }
            let line = try await serve.firstLine(startingWith: "listening on ")
            #expect(line.hasPrefix("listening on http://127.0.0.1:"))
            let port = try #require(Int(line.split(separator: ":").last ?? ""))
            #expect(port > 0)

            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                let health = try await client.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(30))
                #expect(health.status == .ok)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhook?job=\(id)&token=\(secret)")
                request.method = .POST
                request.body = .bytes(
                    ByteBuffer(string: #"{"request_id": "req-1", "status": "success", "result": "https://cdn.test/e2e.png"}"#))
                let answer = try await client.execute(request, timeout: .seconds(30))
                #expect(answer.status == .ok)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }

            serve.signal(SIGTERM)
            let exit = await serve.wait()
            #expect(exit.code == 0, "\(exit.stderr)")
            let row = try await store.row(id)
            #expect(row.state == "COMPLETED")
            #expect(row.resultURL == "https://cdn.test/e2e.png")
        }
    }

    @Test func serveExitsZeroOnSIGINT() async throws {
        try await TestStore.with { store async throws in
            let serve = try launch(["webhook", "serve", "--listen", "127.0.0.1:0", "--db", store.path])
            let line = try await serve.firstLine(startingWith: "listening on ")
            #expect(line.hasPrefix("listening on http://127.0.0.1:"))
            serve.signal(SIGINT)
            let exit = await serve.wait()
            #expect(exit.code == 0, "\(exit.stderr)")
        }
    }

    @Test func serveWithoutAStoreExitsTwo() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-store-\(UUID().uuidString).sqlite3").path
        let exit = try await launch(["webhook", "serve", "--listen", "127.0.0.1:0", "--db", missing]).wait()
        #expect(exit.code == 2)
        #expect(exit.stderr.contains("no job store at \(missing)"))
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
