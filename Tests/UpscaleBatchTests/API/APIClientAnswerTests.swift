import EnhancorSimulator
import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The client against the simulator over loopback: answers and refusals.
@Suite(.bounded) struct APIClientAnswerTests {
    typealias Harness = APISimulatorHarness

    @Test func submitThenStatusUntilCompleted() async throws {
        try await Harness.with(simulator: {
            // Long enough that the first status comes before the end, even under load (5 s was
            // not, with every core busy and a build beside).
            $0.fastDuration = 20
            $0.durationJitter = 0
        }) { client, server in
            let id = try await client.submit(imageURL: "https://img.example/a.png", webhookURL: Harness.webhookURL, mode: .fast)
            #expect(!id.isEmpty)
            let first = try await client.status(requestID: id)
            #expect(first.cost == 240)
            #expect(first.state != nil && first.state != .completed)
            var answer = first
            try await waitUntil("the job to complete", timeout: 120, every: .milliseconds(250)) {
                answer = try await client.status(requestID: id)
                return answer.state == .completed
            }
            #expect(answer.state == .completed)
            #expect(answer.cost == 240)
            #expect(answer.resultURL?.contains(id) == true)
            let ledger = server.ledger()
            #expect(ledger.costByRequestID[id] == 240)
            #expect(ledger.submissionsByURL["https://img.example/a.png"] == 1)
            let counters = client.counters
            #expect(counters.retries == 0 && counters.requestsSent == ledger.totalRequests)
        }
    }

    @Test func wrongKeyIsUnauthorized() async throws {
        try await Harness.with(client: { $0.apiKey = "wrong-key" }) { client, server in
            let result = await Harness.result {
                try await client.submit(imageURL: "https://i/a.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            #expect(result == .failure(.unauthorized(status: 401)))
            let status = await Harness.result { try await client.status(requestID: "x") }
            #expect(status == .failure(.unauthorized(status: 401)))
            // Not retried.
            #expect(server.ledger().totalRequests == 2)
        }
    }

    @Test func refusalCarriesTheAPIMessage() async throws {
        try await Harness.with(simulator: {
            $0.refuseURLSubstring = "refuse-me"
            $0.refuseMessage = "insufficient credits"
        }) { client, server in
            let result = await Harness.result {
                try await client.submit(imageURL: "https://i/refuse-me.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            #expect(result == .failure(.rejected(status: 402, message: "insufficient credits")))
            #expect(server.ledger().count("queue", "402") == 1)
            #expect(server.ledger().totalRequests == 1)
        }
    }

    @Test func badRequestIsRejected() async throws {
        try await Harness.with { client, server in
            // An empty image URL is not a request the API can take.
            let result = await Harness.result {
                try await client.submit(imageURL: "", webhookURL: Harness.webhookURL, mode: .fast)
            }
            guard case .failure(.rejected(let status, let message)) = result else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect((400...499).contains(status))
            #expect(!message.isEmpty)
            #expect(server.ledger().totalRequests == 1)
        }
    }

    @Test func unknownStatusValueGivesNilState() async throws {
        try await Harness.with(simulator: { $0.unknownStatusRate = 1 }) { client, _ in
            let id = try await client.submit(imageURL: "https://i/u.png", webhookURL: Harness.webhookURL, mode: .professional)
            let answer = try await client.status(requestID: id)
            #expect(answer.state == nil)
            #expect(!answer.rawStatus.isEmpty)
            #expect(JobState(rawValue: answer.rawStatus) == nil)
        }
    }

    @Test func malformedStatusIsRetriedThenMalformed() async throws {
        try await Harness.with(simulator: { $0.malformedRate = 1 }) { client, server in
            // A malformed /queue answer still creates the request: ambiguous for the client.
            let submitted = await Harness.result {
                try await client.submit(imageURL: "https://i/m.png", webhookURL: Harness.webhookURL, mode: .fast)
            }
            guard case .failure(.ambiguous) = submitted else {
                Issue.record("a malformed /queue 2xx must be ambiguous, got \(submitted)")
                return
            }
            let id = try #require(server.ledger().costByRequestID.keys.first)
            let status = await Harness.result { try await client.status(requestID: id) }
            guard case .failure(.malformed(let code, let excerpt)) = status else {
                Issue.record("expected malformed, got \(status)")
                return
            }
            #expect(code == 200)
            #expect(!excerpt.isEmpty)
            // Retried up to the policy's attempts, and the /queue call was not retried.
            #expect(server.ledger().count("status", "200") == Harness.fastPolicy.maxAttempts)
            #expect(server.ledger().submissionsByURL["https://i/m.png"] == 1)
            #expect(!client.isInOutage)
        }
    }
}
