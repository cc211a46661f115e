import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// Completion webhooks: payload, target kept exactly, loopback only, retries, hold mode.
@Suite(.bounded) struct WebhookTests {
    @Test func completionWebhookArrivesWithQueryStringKept() async throws {
        let sink = try await WebhookSink.start()
        do {
            try await withSimulator { sim in
                let target = sink.origin + "/hooks/enhancor?job=17&token=s3cr%20t"
                let queued = try await sim.queue(webhookURL: target)
                let requestID = try #require(queued.string("requestId"))
                #expect(await eventually { sink.deliveries.count == 1 })
                let delivery = try #require(sink.deliveries.first)
                #expect(delivery.uri == "/hooks/enhancor?job=17&token=s3cr%20t")
                #expect(delivery.object?["request_id"] as? String == requestID)
                #expect(delivery.object?["status"] as? String == "success")
                #expect(delivery.object?["result"] as? String == sim.server.origin + "/results/\(requestID).png")
                #expect(await eventually { sim.server.ledger().webhooksSent == 1 })
                #expect(sim.server.ledger().webhooksNotDelivered == 0)
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    @Test func nonLoopbackTargetsAreNeverContactedAndCountedNotDelivered() async throws {
        try await withSimulator { sim in
            _ = try await sim.queue(webhookURL: "https://webhook.invalid/upscale-batch?job=1")
            _ = try await sim.queue(webhookURL: "http://10.1.2.3:9/x")
            #expect(await eventually { sim.server.ledger().webhooksNotDelivered == 2 })
            let ledger = sim.server.ledger()
            #expect(ledger.webhooksSent == 0)
            #expect(ledger.webhooksFailed == 0)
        }
    }

    @Test func failedDeliveriesAreRetried() async throws {
        let sink = try await WebhookSink.start(failFirst: 1)
        do {
            try await withSimulator({ $0.webhookAttempts = 6 }) { sim in
                _ = try await sim.queue(webhookURL: sink.origin + "/hook")
                #expect(await eventually { sim.server.ledger().webhooksSent == 1 })
                let ledger = sim.server.ledger()
                // On a busy machine attempts may also time out (two did with every core busy and
                // a build beside): more failures, and an attempt that timed out on the sender's
                // side may still have reached the sink (at-least-once, as real senders are), but
                // never a lost delivery.
                #expect((1...5).contains(ledger.webhooksFailed))
                #expect(ledger.webhooksNotDelivered == 0)
                #expect(sink.attempts >= 2, "the sink refused the first attempt it saw, then took one")
                #expect(sink.deliveries.count >= 1)
                #expect(Set(sink.deliveries.map(\.body)).count == 1, "every delivery is the same webhook")
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    @Test func exhaustedAttemptsCountAsNotDelivered() async throws {
        let sink = try await WebhookSink.start(failFirst: 100)
        do {
            try await withSimulator({ $0.webhookAttempts = 2 }) { sim in
                _ = try await sim.queue(webhookURL: sink.origin + "/hook")
                #expect(await eventually { sim.server.ledger().webhooksNotDelivered == 1 })
                #expect(sim.server.ledger().webhooksFailed == 2)
                // An attempt that timed out on a busy machine may never have reached the sink
                // (both did not, once, with every core busy and a build beside).
                #expect(sink.attempts <= 2, "never more attempts than webhookAttempts")
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    @Test func duplicateRateDeliversTwice() async throws {
        let sink = try await WebhookSink.start()
        do {
            try await withSimulator({ $0.webhookDuplicateRate = 1 }) { sim in
                _ = try await sim.queue(webhookURL: sink.origin + "/hook")
                #expect(await eventually { sink.deliveries.count == 2 })
                let ids = sink.deliveries.compactMap { $0.object?["request_id"] as? String }
                #expect(Set(ids).count == 1)
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    @Test func heldCompletionIsToldOnlyByTheWebhook() async throws {
        let sink = try await WebhookSink.start()
        do {
            try await withSimulator({ $0.holdCompletionFromStatus = true }) { sim in
                let queued = try await sim.queue(webhookURL: sink.origin + "/hook")
                let requestID = try #require(queued.string("requestId"))
                #expect(await eventually { sink.deliveries.count == 1 })
                #expect(sim.server.ledger().stateByRequestID[requestID] == "COMPLETED")
                let status = try await sim.status(requestID)
                #expect(status.string("status") == "IN_PROGRESS")
                #expect(status.object?["cost"] as? Int == 240)
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }

    @Test func disabledWebhooksAreNotSent() async throws {
        let sink = try await WebhookSink.start()
        do {
            try await withSimulator({ $0.webhooksEnabled = false }) { sim in
                let queued = try await sim.queue(webhookURL: sink.origin + "/hook")
                let requestID = try #require(queued.string("requestId"))
                let final = try await sim.pollStatus(requestID) { $0.string("status") == "COMPLETED" }
                #expect(final.string("status") == "COMPLETED")
                let ledger = sim.server.ledger()
                #expect(ledger.webhooksSent + ledger.webhooksFailed + ledger.webhooksNotDelivered == 0)
                #expect(sink.attempts == 0)
            }
        } catch {
            await sink.stop()
            throw error
        }
        await sink.stop()
    }
}
