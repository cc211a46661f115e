import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import UpscaleBatch

/// `upscale-batch webhook serve` as users run it: the built binary in its own process.
@Suite struct WebhookServeCommandTests {
    @Test func serveRecordsAWebhookAndExitsZeroOnSIGTERM() async throws {
        try await TestStore.with { store async throws in
            let id = try await store.insertJob(state: .inQueue, requestID: "req-1", cost: 480)
            let secret = try store.store.webhookSecret()
            let (process, stdout, _) = try ServeProcess.launch(
                ["webhook", "serve", "--listen", "127.0.0.1:0", "--db", store.path])
            defer { if process.isRunning { process.interrupt() } }
            let line = try #require(await ServeProcess.readLine(stdout.fileHandleForReading))
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

            process.terminate()  // SIGTERM
            let status = await ServeProcess.waitForExit(process)
            #expect(process.terminationReason == .exit)
            #expect(status == 0)
            let row = try await store.row(id)
            #expect(row.state == "COMPLETED")
            #expect(row.resultURL == "https://cdn.test/e2e.png")
        }
    }

    @Test func serveExitsZeroOnSIGINT() async throws {
        try await TestStore.with { store async throws in
            let (process, stdout, _) = try ServeProcess.launch(
                ["webhook", "serve", "--listen", "127.0.0.1:0", "--db", store.path])
            let line = await ServeProcess.readLine(stdout.fileHandleForReading)
            #expect(line?.hasPrefix("listening on http://127.0.0.1:") == true)
            process.interrupt()  // SIGINT
            #expect(await ServeProcess.waitForExit(process) == 0)
        }
    }

    @Test func serveWithoutAStoreExitsTwo() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-store-\(UUID().uuidString).sqlite3").path
        let (process, _, stderr) = try ServeProcess.launch(["webhook", "serve", "--listen", "127.0.0.1:0", "--db", missing])
        let status = await ServeProcess.waitForExit(process)
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(status == 2)
        #expect(message.contains("no job store at \(missing)"))
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
