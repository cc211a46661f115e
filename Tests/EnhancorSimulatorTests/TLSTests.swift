import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import TestSupport
import Testing

/// HTTPS with a CA made at start and written where asked.
@Suite(.bounded) struct TLSTests {
    @Test func servesHTTPSTrustedThroughTheWrittenCA() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caPath = directory.appendingPathComponent("ca.pem").path

        var configuration = SimulatorHarness.quickConfiguration()
        configuration.tls = true
        configuration.tlsCAOutputPath = caPath
        let server = try await SimulatorServer.start(configuration, logger: SimulatorHarness.quietLogger)

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        var trusting = HTTPClient.Configuration()
        trusting.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: trusting)
        // A client with only the system's trust store; it retries failed handshakes until its
        // connect timeout, so keep that short.
        var untrusting = HTTPClient.Configuration()
        untrusting.timeout = .init(connect: .milliseconds(500))
        let stranger = HTTPClient(eventLoopGroupProvider: .singleton, configuration: untrusting)
        do {
            #expect(server.baseURL.hasPrefix("https://127.0.0.1:"))
            let written = try String(contentsOfFile: caPath, encoding: .utf8)
            #expect(written.hasPrefix("-----BEGIN CERTIFICATE-----"))
            #expect(server.caCertificatePEM == written)

            let body = #"{"img_url": "https://img.example/a.jpg", "webhookUrl": "https://w.invalid/", "mode": "fast"}"#
            let queued = try await HTTPAnswer.send(client, .POST, server.baseURL + "/queue", body: body)
            #expect(queued.status == 200)
            #expect(DocumentedAnswers.isQueueAnswer(queued.body))
            let byName = try await HTTPAnswer.send(
                client, .GET, "https://localhost:\(server.port)/__admin/health", apiKey: nil)
            #expect(byName.status == 200)
            await #expect(throws: (any Error).self) {
                _ = try await HTTPAnswer.send(stranger, .POST, server.baseURL + "/queue", body: body)
            }
        } catch {
            try? await client.shutdown()
            try? await stranger.shutdown()
            await server.stop()
            throw error
        }
        try await client.shutdown()
        try await stranger.shutdown()
        await server.stop()
    }
}
