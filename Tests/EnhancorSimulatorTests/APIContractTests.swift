import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import NIOHTTP1
import TestSupport
import Testing

/// The documented endpoints: auth, validation, the timeline, results and failures.
@Suite(.bounded) struct APIContractTests {
    @Test func missingOrWrongKeyIs401WithJSON() async throws {
        try await withSimulator { sim in
            let body = #"{"img_url": "https://img.example/a.jpg", "webhookUrl": "https://w.invalid/", "mode": "fast"}"#
            let missing = try await HTTPAnswer.send(sim.client, .POST, sim.base + "/queue", body: body, apiKey: nil)
            let wrong = try await HTTPAnswer.send(
                sim.client, .POST, sim.base + "/status", body: #"{"request_id": "x"}"#, apiKey: "nope")
            #expect(missing.status == 401)
            #expect(wrong.status == 401)
            #expect(missing.object?["success"] as? Bool == false)
            #expect(missing.string("message")?.isEmpty == false)
            #expect(sim.server.ledger().submissionsByURL.isEmpty)
        }
    }

    @Test func invalidBodiesAre400WithAMessage() async throws {
        try await withSimulator { sim in
            let bodies = [
                "not json",
                #"["img_url"]"#,
                #"{"webhookUrl": "https://w.invalid/", "mode": "fast"}"#,
                #"{"img_url": "https://img.example/a.jpg", "mode": "fast"}"#,
                #"{"img_url": "https://img.example/a.jpg", "webhookUrl": "https://w.invalid/"}"#,
                #"{"img_url": "https://img.example/a.jpg", "webhookUrl": "https://w.invalid/", "mode": "ultra"}"#,
                #"{"img_url": 7, "webhookUrl": "https://w.invalid/", "mode": "fast"}"#,
            ]
            for body in bodies {
                let answer = try await HTTPAnswer.send(sim.client, .POST, sim.base + "/queue", body: body)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.string("message")?.isEmpty == false, "\(body)")
            }
            let status = try await HTTPAnswer.send(sim.client, .POST, sim.base + "/status", body: "{}")
            #expect(status.status == 400)
            #expect(sim.server.ledger().submissionsByURL.isEmpty)
        }
    }

    @Test func unknownRequestIDIs404() async throws {
        try await withSimulator { sim in
            let answer = try await sim.status("sim-does-not-exist")
            #expect(answer.status == 404)
            #expect(answer.object?["success"] as? Bool == false)
        }
    }

    @Test func jobMovesThroughDocumentedStatesToCompletedWithCostAndResult() async throws {
        try await withSimulator { sim in
            let queued = try await sim.queue(mode: "fast")
            #expect(queued.status == 200)
            #expect(queued.object?["success"] as? Bool == true)
            let requestID = try #require(queued.string("requestId"))

            var seen: [String] = []
            let final = try await sim.pollStatus(requestID) { answer in
                if let status = answer.string("status"), seen.last != status { seen.append(status) }
                return answer.string("status") == "COMPLETED"
            }
            #expect(final.status == 200)
            #expect(final.string("requestId") == requestID)
            #expect(final.object?["cost"] as? Int == 240)
            let documented = ["PENDING", "IN_QUEUE", "IN_PROGRESS", "COMPLETED"]
            #expect(seen.allSatisfy(documented.contains))
            #expect(seen == seen.sorted { documented.firstIndex(of: $0)! < documented.firstIndex(of: $1)! })

            let resultURL = try #require(final.string("result"))
            #expect(resultURL.hasPrefix(sim.server.origin + "/results/"))
            let image = try await HTTPAnswer.send(sim.client, .GET, resultURL, apiKey: nil)
            #expect(image.status == 200)
            #expect(image.headers.first(name: "Content-Type") == "image/png")
            #expect(Array(image.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        }
    }

    @Test func costIsQuotedFromTheFirstStatusAndProfessionalCostsMore() async throws {
        try await withSimulator({ $0.professionalDuration = 30 }) { sim in
            let queued = try await sim.queue(mode: "professional")
            let requestID = try #require(queued.string("requestId"))
            let first = try await sim.status(requestID)
            #expect(first.object?["cost"] as? Int == 480)
            #expect(first.string("status") != "COMPLETED")
            #expect(first.object?["result"] == nil)
            #expect(sim.server.ledger().costByRequestID[requestID] == 480)
        }
    }

    @Test func imagesMatchingFailURLSubstringEndFailedWithAnError() async throws {
        try await withSimulator({ $0.failURLSubstring = "broken" }) { sim in
            let queued = try await sim.queue(imageURL: "https://img.example/broken.jpg")
            let requestID = try #require(queued.string("requestId"))
            let final = try await sim.pollStatus(requestID) { $0.string("status") == "FAILED" }
            #expect(final.string("status") == "FAILED")
            #expect(final.string("error")?.isEmpty == false)
            #expect(final.object?["cost"] as? Int == 240)
            #expect(final.object?["result"] == nil)
            let image = try await HTTPAnswer.send(sim.client, .GET, sim.server.origin + "/results/\(requestID).png", apiKey: nil)
            #expect(image.status == 404)
        }
    }

    @Test func refusedURLsAre402WithTheMessageAndCreateNothing() async throws {
        try await withSimulator({ $0.refuseURLSubstring = "poor" }) { sim in
            let answer = try await sim.queue(imageURL: "https://img.example/poor.jpg")
            #expect(answer.status == 402)
            #expect(answer.object?["success"] as? Bool == false)
            #expect(answer.string("message") == "insufficient credits")
            #expect(sim.server.ledger().submissionsByURL.isEmpty)
        }
    }

    @Test func requestIDsAreUnique() async throws {
        try await withSimulator { sim in
            var ids = Set<String>()
            for _ in 0..<5 {
                let queued = try await sim.queue(imageURL: "https://img.example/same.jpg")
                ids.insert(try #require(queued.string("requestId")))
            }
            #expect(ids.count == 5)
            #expect(sim.server.ledger().submissionsByURL["https://img.example/same.jpg"] == 5)
        }
    }
}
