import EnhancorSimulator
import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Transient failures, ambiguity, the retry budget and outages, against the simulator.
@Suite(.bounded) struct APIClientFailureTests {
    typealias Harness = APISimulatorHarness

    @Test func serverErrorsAreRetriedThenSucceed() async throws {
        try await Harness.with(
            simulator: {
                $0.serverErrorRate = 0.5
                $0.seed = 42
            },
            client: {
                $0.retry.maxAttempts = 12
                $0.retry.outageAfterConsecutiveFailures = nil
                $0.retry.budget = .init(ratio: 1, floor: 1000, floorRefillPerSecond: 0, capacity: 1000)
            }
        ) { client, server in
            var ids: [String] = []
            for index in 0..<10 {
                ids.append(
                    try await client.submit(imageURL: "https://i/\(index).png", webhookURL: Harness.webhookURL, mode: .fast))
            }
            for id in ids { _ = try await client.status(requestID: id) }
            let ledger = server.ledger()
            let errors = ledger.requests.values.flatMap { $0 }.filter { $0.key.hasPrefix("5") }.map(\.value).reduce(0, +)
            #expect(errors > 0)
            #expect(client.counters.retries == errors)
            // Retried 5xx answers on /queue never created duplicates.
            #expect(ledger.submissionsByURL.values.allSatisfy { $0 == 1 })
            #expect(ledger.submissionsByURL.count == 10)
        }
    }

    @Test func serverErrorsExhaustedAreTransient() async throws {
        try await Harness.with(
            simulator: { $0.serverErrorRate = 1 },
            client: {
                $0.retry.maxAttempts = 3
                $0.retry.outageAfterConsecutiveFailures = nil
            }
        ) { client, server in
            let result = await Harness.result { try await client.status(requestID: "any") }
            guard case .failure(.transient(let detail)) = result else {
                Issue.record("expected transient, got \(result)")
                return
            }
            #expect(detail.contains("HTTP 5"))
            #expect(server.ledger().totalRequests == 3)
        }
    }

    @Test func dropAfterAcceptIsAmbiguousAndNotRetried() async throws {
        try await Harness.with(simulator: { $0.dropAfterAcceptRate = 1 }) { client, server in
            let result = await Harness.result {
                try await client.submit(imageURL: "https://i/d.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            guard case .failure(.ambiguous) = result else {
                Issue.record("expected ambiguous, got \(result)")
                return
            }
            let ledger = server.ledger()
            #expect(ledger.submissionsByURL["https://i/d.png"] == 1)
            #expect(ledger.requests["queue"]?.values.reduce(0, +) == 1)
            #expect(client.counters.ambiguous == 1)
        }
    }

    @Test func connectionRefusedIsTransientNotAmbiguous() async throws {
        // A port that is bound but never listens: connecting is refused. AsyncHTTPClient tries
        // connecting again until the connect timeout and then reports the last error, so the
        // timeout sets how long this takes, not what it finds: 5 s (two attempts, 10 s).
        let refusing = try RefusingPort()
        let deadURL = "http://127.0.0.1:\(refusing.port)/api/upscaler/v1"
        var configuration = EnhancorClientConfiguration(
            baseURL: deadURL, apiKey: "sim-key", maxConnections: 4, connectTimeout: 5, requestTimeout: 60,
            environment: [:], retry: Harness.fastPolicy)
        configuration.retry.maxAttempts = 2
        configuration.retry.outageAfterConsecutiveFailures = nil
        let client = try EnhancorHTTPClient(configuration: configuration, logger: Harness.quietLogger)
        let result = await Harness.result {
            try await client.submit(imageURL: "https://i/r.png", webhookURL: Harness.webhookURL, mode: .fast)
        }
        let counters = client.counters
        try await client.shutdown()
        withExtendedLifetime(refusing) {}
        guard case .failure(.transient) = result else {
            Issue.record("expected transient, got \(result)")
            return
        }
        #expect(counters.requestsSent == 2)
        #expect(counters.ambiguous == 0)
    }

    @Test func retryBudgetLimitsRetriesUnderSustainedErrors() async throws {
        try await Harness.with(
            simulator: { $0.serverErrorRate = 1 },
            client: {
                $0.retry.maxAttempts = 5
                $0.retry.outageAfterConsecutiveFailures = nil
                $0.retry.budget = .init(ratio: 0.2, floor: 3, floorRefillPerSecond: 0, capacity: 100)
            }
        ) { client, server in
            let results = await withTaskGroup(of: Result<StatusAnswer, EnhancorError>.self) { group in
                for index in 0..<20 {
                    group.addTask { await Harness.result { try await client.status(requestID: "r\(index)") } }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 20)
            #expect(results.allSatisfy { if case .failure(.transient) = $0 { true } else { false } })
            // 20 first attempts plus the 3 retries the budget allowed (not 20 x 5 = 100).
            #expect(server.ledger().totalRequests == 23)
            #expect(client.counters.retries == 3)
            // 17 calls were refused a retry at once, the 3 retried ones after their retry failed.
            #expect(client.counters.budgetRefusals == 20)
        }
    }

    @Test func outageIsWaitedOutWithoutFailingAnyRequest() async throws {
        // Counted, not timed: 20 first attempts plus at most 7 retries can go out before the
        // 8th failure in a row pauses the client, so 40 leaves the probes at least 13 503s.
        try await Harness.with(simulator: { $0.outageRequests = 40 }) { client, server in
            let results = await withTaskGroup(of: Result<String, EnhancorError>.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        await Harness.result {
                            try await client.submit(
                                imageURL: "https://i/o\(index).png", webhookURL: Harness.webhookURL, mode: .fast)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let failures = results.filter { if case .failure = $0 { true } else { false } }
            #expect(failures.isEmpty, "failed during the outage: \(failures)")
            let ledger = server.ledger()
            #expect(ledger.count("queue", "503") > 0)
            #expect(ledger.submissionsByURL.count == 20)
            #expect(ledger.submissionsByURL.values.allSatisfy { $0 == 1 })
            let counters = client.counters
            #expect(counters.outagePauses >= 1)
            #expect(counters.probes >= 1)
            #expect(!client.isPaused)
        }
    }
}
