import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The injected faults: limits, outages, server errors, dropped and malformed answers.
@Suite(.bounded) struct FaultTests {
    @Test func requestsOverTheConcurrencyLimitGet429WithRetryAfter() async throws {
        try await withSimulator({
            $0.concurrencyLimit = 2
            $0.latencySeconds = 3  // the six requests overlap however slowly they are sent
            $0.retryAfter = "7"
        }) { sim in
            let answers = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
                for index in 0..<6 {
                    group.addTask { try await sim.queue(imageURL: "https://img.example/\(index).jpg") }
                }
                return try await group.reduce(into: [HTTPAnswer]()) { $0.append($1) }
            }
            let limited = answers.filter { $0.status == 429 }
            #expect(!limited.isEmpty)
            #expect(limited.allSatisfy { $0.headers.first(name: "Retry-After") == "7" })
            #expect(answers.allSatisfy { $0.status == 200 || $0.status == 429 })
            let ledger = sim.server.ledger()
            #expect(ledger.count("queue", "429") == limited.count)
            #expect(ledger.maxInFlight >= 3)
            #expect(ledger.submissionsByURL.count == answers.count - limited.count)
        }
    }

    @Test func requestsOverTheRateLimitGet429WithRetryAfter() async throws {
        try await withSimulator({
            $0.rateLimitPerSecond = 0.01
            $0.retryAfter = "Wed, 21 Oct 2037 07:28:00 GMT"
        }) { sim in
            let first = try await sim.status("sim-unknown")
            let second = try await sim.status("sim-unknown")
            #expect(first.status == 404)
            #expect(second.status == 429)
            #expect(second.headers.first(name: "Retry-After") == "Wed, 21 Oct 2037 07:28:00 GMT")
        }
    }

    @Test func everyAPIRequestIs503DuringAnOutage() async throws {
        try await withSimulator({
            $0.outageAfterSeconds = 0
            $0.outageSeconds = 3600
        }) { sim in
            let queued = try await sim.queue()
            let status = try await sim.status("sim-1")
            let unauthenticated = try await HTTPAnswer.send(sim.client, .POST, sim.base + "/status", body: "{}", apiKey: nil)
            let codes: [Int] = [queued.status, status.status, unauthenticated.status]
            #expect(codes == [503, 503, 503])
            let health = try await HTTPAnswer.send(sim.client, .GET, sim.server.origin + "/__admin/health", apiKey: nil)
            #expect(health.status == 200)
            #expect(sim.server.ledger().submissionsByURL.isEmpty)
        }
    }

    @Test func aCountedOutageAnswers503ThenEnds() async throws {
        try await withSimulator({ $0.outageRequests = 3 }) { sim in
            var codes: [Int] = []
            for _ in 0..<5 { codes.append(try await sim.queue().status) }
            #expect(codes == [503, 503, 503, 200, 200])
            #expect(sim.server.ledger().count("queue", "503") == 3)
        }
    }

    @Test func anOutageBegunByTheTestEnds() async throws {
        try await withSimulator { sim in
            #expect(try await sim.queue().status == 200)
            sim.server.beginOutage(requests: 2)
            var codes: [Int] = []
            for _ in 0..<3 { codes.append(try await sim.queue().status) }
            #expect(codes == [503, 503, 200])
        }
    }

    @Test func serverErrorsCarryABodyAndCreateNothing() async throws {
        try await withSimulator({ $0.serverErrorRate = 1 }) { sim in
            for _ in 0..<6 {
                let answer = try await sim.queue()
                #expect([500, 502, 503].contains(answer.status))
                #expect(!answer.body.isEmpty)
            }
            #expect(sim.server.ledger().submissionsByURL.isEmpty)
        }
    }

    @Test func droppedAnswerIsAClientErrorButTheRequestExistsAndCompletes() async throws {
        let sink = try await WebhookSink.start()
        do {
            try await withSimulator({ $0.dropAfterAcceptRate = 1 }) { sim in
                let url = "https://img.example/dropped.jpg"
                await #expect(throws: (any Error).self) {
                    _ = try await sim.queue(imageURL: url, webhookURL: sink.origin + "/hook?job=9")
                }
                let ledger = sim.server.ledger()
                #expect(ledger.submissionsByURL[url] == 1)
                #expect(ledger.count("queue", "dropped") == 1)
                let requestID = try #require(ledger.stateByRequestID.keys.first)
                #expect(await eventually { sim.server.ledger().stateByRequestID[requestID] == "COMPLETED" })
                #expect(await eventually { sink.deliveries.count == 1 })
                #expect(sink.deliveries.first?.object?["request_id"] as? String == requestID)
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    @Test func malformedAnswersAreNotOfTheDocumentedShape() async throws {
        try await withSimulator({ $0.malformedRate = 1 }) { sim in
            for index in 0..<8 {
                let answer = try await sim.queue(imageURL: "https://img.example/m\(index).jpg")
                #expect(answer.status == 200)
                #expect(!DocumentedAnswers.isQueueAnswer(answer.body), "\(answer.text)")
            }
            let ledger = sim.server.ledger()
            #expect(ledger.submissionsByURL.count == 8)
            for requestID in ledger.stateByRequestID.keys {
                let answer = try await sim.status(requestID)
                #expect(answer.status == 200)
                #expect(!DocumentedAnswers.isStatusAnswer(answer.body), "\(answer.text)")
            }
        }
    }

    @Test func wellFormedAnswersAreOfTheDocumentedShape() async throws {
        try await withSimulator { sim in
            let queued = try await sim.queue()
            #expect(DocumentedAnswers.isQueueAnswer(queued.body))
            let status = try await sim.status(try #require(queued.string("requestId")))
            #expect(DocumentedAnswers.isStatusAnswer(status.body))
        }
    }

    @Test func unknownStatusValuesStillCarryCost() async throws {
        try await withSimulator({ $0.unknownStatusRate = 1 }) { sim in
            let queued = try await sim.queue()
            let status = try await sim.status(try #require(queued.string("requestId")))
            #expect(status.string("status") == "THROTTLED")
            #expect(status.object?["cost"] as? Int == 240)
            #expect(DocumentedAnswers.isStatusAnswer(status.body))
        }
    }

    @Test func failureRateEndsJobsFailed() async throws {
        try await withSimulator({ $0.failureRate = 1 }) { sim in
            let queued = try await sim.queue()
            let requestID = try #require(queued.string("requestId"))
            let final = try await sim.pollStatus(requestID) { $0.string("status") == "FAILED" }
            #expect(final.string("status") == "FAILED")
            #expect(final.string("error")?.isEmpty == false)
        }
    }
}
