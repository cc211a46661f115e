import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import Logging
import NIOHTTP1
import TestSupport

/// A started simulator and a client for it, torn down by `withSimulator` whatever happens.
struct SimulatorHarness: Sendable {
    let server: SimulatorServer
    let client: HTTPClient

    var base: String { server.baseURL }

    /// The logger tests give the simulator: silent, so test output stays readable.
    static let quietLogger = Logger(label: "simulator-test") { _ in SwiftLogNoOpLogHandler() }

    /// Short, jitter-free timings: a fast job finishes 0.2 s after submission.
    static func quickConfiguration() -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.fastDuration = 0.2
        configuration.professionalDuration = 0.3
        configuration.durationJitter = 0
        configuration.seed = 42
        // A delivery is given up after its attempts (1 s to connect, 5 s to answer, each): on a
        // busy machine the test's own sink may miss three (seen under a CI build). Tests of
        // giving up set their own number.
        configuration.webhookAttempts = 10
        return configuration
    }

    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// POST /queue with the documented body; returns the answer.
    func queue(
        imageURL: String = "https://img.example/a.jpg", webhookURL: String = "https://webhook.invalid/x", mode: String = "fast"
    ) async throws -> HTTPAnswer {
        let body = #"{"img_url": "\#(imageURL)", "webhookUrl": "\#(webhookURL)", "mode": "\#(mode)"}"#
        return try await HTTPAnswer.send(client, .POST, base + "/queue", body: body)
    }

    /// POST /status for `requestID`.
    func status(_ requestID: String) async throws -> HTTPAnswer {
        try await HTTPAnswer.send(client, .POST, base + "/status", body: #"{"request_id": "\#(requestID)"}"#)
    }

    /// Polls /status until `done` holds for an answer, for at most `seconds`; the last answer.
    func pollStatus(_ requestID: String, seconds: Double = 10, until done: (HTTPAnswer) -> Bool) async throws -> HTTPAnswer {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var answer = try await status(requestID)
        while !done(answer), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(40))
            answer = try await status(requestID)
        }
        return answer
    }
}

/// Runs `body` with a fresh simulator and client; stops both afterwards, even on failure.
func withSimulator(
    _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
    _ body: (SimulatorHarness) async throws -> Void
) async throws {
    var configuration = SimulatorHarness.quickConfiguration()
    configure(&configuration)
    let server = try await SimulatorServer.start(configuration, logger: SimulatorHarness.quietLogger)
    let client = SimulatorHarness.makeClient()
    do {
        try await body(SimulatorHarness(server: server, client: client))
    } catch {
        try? await client.shutdown()
        await server.stop()
        throw error
    }
    try await client.shutdown()
    await server.stop()
}
