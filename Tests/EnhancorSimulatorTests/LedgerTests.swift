import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The ledger: what it counts, and its JSON form on the admin endpoint.
@Suite(.bounded) struct LedgerTests {
    @Test func countsEveryAPIRequestByEndpointAndStatus() async throws {
        try await withSimulator({
            $0.fastDuration = 60
            $0.professionalDuration = 60  // nothing may finish while the test looks
        }) { sim in
            _ = try await HTTPAnswer.send(sim.client, .POST, sim.base + "/queue", body: "{}", apiKey: "wrong")
            let first = try await sim.queue(imageURL: "https://img.example/1.jpg")
            _ = try await sim.queue(imageURL: "https://img.example/1.jpg")
            _ = try await sim.queue(imageURL: "https://img.example/2.jpg", mode: "professional")
            _ = try await sim.status(try #require(first.string("requestId")))
            _ = try await sim.status("sim-unknown")
            _ = try await HTTPAnswer.send(sim.client, .POST, sim.base + "/cancel", body: "{}")
            _ = try await HTTPAnswer.send(sim.client, .GET, sim.server.origin + "/__admin/health", apiKey: nil)

            let ledger = sim.server.ledger()
            #expect(ledger.requests["queue"] == ["401": 1, "200": 3])
            #expect(ledger.requests["status"] == ["200": 1, "404": 1])
            #expect(ledger.requests["other"] == ["404": 1])
            #expect(ledger.totalRequests == 7)
            #expect(ledger.maxInFlight >= 1)
            #expect(ledger.submissionsByURL == ["https://img.example/1.jpg": 2, "https://img.example/2.jpg": 1])
            #expect(ledger.costByRequestID.values.sorted() == [240, 240, 480])
            #expect(Set(ledger.stateByRequestID.values).isSubset(of: ["PENDING", "IN_QUEUE", "IN_PROGRESS"]))
        }
    }

    @Test func adminLedgerIsSnakeCaseJSONOfTheSameSnapshot() async throws {
        // PENDING for the first tenth of a job's duration: long enough that the two snapshots
        // compared below see the same state however slow the machine (60 s was not).
        try await withSimulator({ $0.fastDuration = 3600 }) { sim in
            _ = try await sim.queue()
            let answer = try await HTTPAnswer.send(sim.client, .GET, sim.server.origin + "/__admin/ledger", apiKey: nil)
            #expect(answer.status == 200)
            let object = try #require(answer.object)
            for key in [
                "requests", "max_in_flight", "submissions_by_url", "cost_by_request_id", "state_by_request_id",
                "webhooks_sent", "webhooks_failed", "webhooks_not_delivered", "total_requests",
            ] {
                #expect(object[key] != nil, "\(key)")
            }
            let decoded = try JSONDecoder().decode(SimulatorLedger.self, from: Data(answer.body))
            #expect(decoded == sim.server.ledger())
            #expect(decoded.submissionsByURL == ["https://img.example/a.jpg": 1])
        }
    }

    @Test func adminEndpointsNeedNoKeyAndAreNotCounted() async throws {
        try await withSimulator { sim in
            let health = try await HTTPAnswer.send(sim.client, .GET, sim.server.origin + "/__admin/health", apiKey: nil)
            #expect(health.status == 200)
            #expect(health.string("status") == "ok")
            #expect(sim.server.ledger().totalRequests == 0)
        }
    }
}
