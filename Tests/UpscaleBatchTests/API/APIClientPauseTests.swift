import Dispatch
import EnhancorSimulator
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// 429 pauses, cancellation, TLS and connection pooling, against the simulator.
@Suite(.bounded) struct APIClientPauseTests {
    typealias Harness = APISimulatorHarness

    @Test func retryAfterSecondsPausesEveryRequest() async throws {
        try await Harness.with(simulator: { $0.retryAfter = "2" }) { client, server in
            _ = try await client.submit(imageURL: "https://i/a.png", webhookURL: Harness.webhookURL, mode: .fast)
            server.beginRateLimit(requests: 1)
            let startB = Harness.now()
            async let answerB = Harness.result {
                try await client.submit(imageURL: "https://i/b.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            // Wait until B's 429 has closed the gate (the bound only catches a broken test).
            try await waitUntil("B's 429 to pause the client", every: .milliseconds(5)) { client.isPaused }
            let answerC = await Harness.result {
                try await client.submit(imageURL: "https://i/c.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            let endC = Harness.now()
            let resultB = await answerB
            let endB = Harness.now()
            #expect(resultB.isSuccess && answerC.isSuccess, "B: \(resultB), C: \(answerC)")
            // Lower bounds only: neither went out again before Retry-After had passed.
            #expect(endB - startB >= 2.0)
            #expect(endC - startB >= 2.0)
            #expect(server.ledger().count("queue", "429") >= 1)
            #expect(client.counters.rateLimitPauses >= 1)
        }
    }

    @Test func retryAfterHTTPDateIsHonoured() async throws {
        let until = Date(timeIntervalSinceNow: 2.5)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let header = formatter.string(from: until)
        let headerDate = try #require(formatter.date(from: header))
        try await Harness.with(simulator: { $0.retryAfter = header }) { client, server in
            _ = try await client.submit(imageURL: "https://i/a.png", webhookURL: Harness.webhookURL, mode: .fast)
            server.beginRateLimit(requests: 1)
            let result = await Harness.result {
                try await client.submit(imageURL: "https://i/b.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            #expect(result.isSuccess)
            #expect(Date() >= headerDate)
            #expect(server.ledger().count("queue", "429") >= 1)
        }
    }

    @Test func garbageRetryAfterUsesTheDefault() async throws {
        try await Harness.with(
            simulator: { $0.retryAfter = "soon-ish" },
            client: { $0.retry.defaultRetryAfter = 1.2 }
        ) { client, server in
            _ = try await client.submit(imageURL: "https://i/a.png", webhookURL: Harness.webhookURL, mode: .fast)
            server.beginRateLimit(requests: 1)
            let start = Harness.now()
            let result = await Harness.result {
                try await client.submit(imageURL: "https://i/b.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            #expect(result.isSuccess)
            #expect(Harness.now() - start >= 1.2)
            #expect(server.ledger().count("queue", "429") >= 1)
        }
    }

    @Test func cancelAllCompletesWaitingCalls() async throws {
        try await Harness.with(simulator: { $0.retryAfter = "30" }) { client, server in
            _ = try await client.submit(imageURL: "https://i/a.png", webhookURL: Harness.webhookURL, mode: .fast)
            server.beginRateLimit(requests: 1)
            async let waiting = Harness.result {
                try await client.submit(imageURL: "https://i/b.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            try await waitUntil("the 429 to pause the client", every: .milliseconds(5)) { client.isPaused }
            client.cancelAll()
            #expect(await waiting == .failure(.cancelled))
            let later = await Harness.result {
                try await client.submit(imageURL: "https://i/c.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            #expect(later == .failure(.cancelled))
        }
    }

    @Test func httpsWithExtraCAFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caPath = directory.appendingPathComponent("ca.pem").path
        try await Harness.with(
            simulator: {
                $0.tls = true
                $0.tlsCAOutputPath = caPath
            },
            client: { $0.caFilePath = caPath }
        ) { client, server in
            #expect(server.baseURL.hasPrefix("https://"))
            let id = try await client.submit(imageURL: "https://i/tls.png", webhookURL: Harness.webhookURL, mode: .fast)
            #expect(try await client.status(requestID: id).cost == 240)

            // Without the CA the handshake fails before anything is sent (not ambiguous), and no
            // retry can help: it is a configuration error the runner stops on. AsyncHTTPClient
            // retries the handshake until the connect timeout, then reports the last error; the
            // timeout only has to let one handshake finish on a busy machine (0.5 s did not, nor
            // did 5 s with every core busy and a build beside).
            var untrusting = EnhancorClientConfiguration(
                baseURL: server.baseURL, apiKey: "sim-key", connectTimeout: 15, environment: [:], retry: Harness.fastPolicy)
            untrusting.retry.maxAttempts = 1
            let plain = try EnhancorHTTPClient(configuration: untrusting, logger: Harness.quietLogger)
            let refused = await Harness.result {
                try await plain.submit(imageURL: "https://i/x.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            try await plain.shutdown()
            guard case .failure(.configuration(let detail)) = refused else {
                Issue.record("an untrusted certificate should fail as a configuration error, got \(refused)")
                return
            }
            // The core says what happened; the executable adds the flag (the TLS end-to-end test).
            #expect(detail.contains("TLS certificate is not trusted") && !detail.contains("--"))
            #expect(server.ledger().submissionsByURL["https://i/x.png"] == nil)
        }
    }

    @Test func sixtyFourInFlightReuseConnections() async throws {
        try await Harness.with(simulator: { $0.latencySeconds = 0.02 }) { client, server in
            // The runner's arrangement: a Dispatch feeder, 64 in flight, completions signal.
            let id = try await client.submit(imageURL: "https://i/pool.png", webhookURL: Harness.webhookURL, mode: .fast)
            let total = 1280
            let semaphore = DispatchSemaphore(value: 64)
            let failures = Atomic<Int>(0)
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let remaining = Atomic<Int>(total)
                DispatchQueue(label: "feeder").async {
                    for _ in 0..<total {
                        semaphore.wait()
                        client.status(requestID: id) { result in
                            if case .failure = result { failures.add(1, ordering: .relaxed) }
                            semaphore.signal()
                            if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.resume() }
                        }
                    }
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0)
            let ledger = server.ledger()
            let counters = client.counters
            // More than AsyncHTTPClient's default of 8 in flight: the pool limit was raised.
            #expect(ledger.maxInFlight > 8)
            #expect(ledger.maxInFlight <= 64)
            // Connections are kept alive and reused: at most one per in-flight slot for
            // 1,280 requests, not one per request.
            #expect(counters.connectionsOpened >= 1)
            #expect(counters.connectionsOpened <= 64)
            #expect(counters.requestsSent == total + 1)
        }
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
