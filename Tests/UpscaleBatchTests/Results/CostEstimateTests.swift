import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite("Cost estimate", .bounded)
struct CostEstimateTests {
    @Test("no history: nothing estimated, and the table says so per mode")
    func noHistory() async throws {
        let temporary = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: temporary)
        try await StoreFixtures.insertJobs(store, count: 5)
        let estimate = try await store.costEstimate()
        #expect(estimate.pending == 5)
        #expect(estimate[.fast] == ModeEstimate(mode: .fast, pending: 5, knownJobs: 0, knownCost: 0))
        #expect(estimate[.fast]?.averageCost == nil && estimate[.fast]?.expectedCost == nil)
        #expect(estimate.expectedCost == 0 && !estimate.isComplete && estimate.unestimatedJobs == 5)
        let table = EstimateRenderer.table(estimate)
        #expect(table.contains("no history yet for fast"))
        #expect(table.contains("no history yet for professional"))
        #expect(
            EstimateRenderer.json(estimate).contains(
                #"{"mode": "fast", "pending": 5, "known_jobs": 0, "average_cost": null, "expected_cost": null}"#))
    }

    @Test("history from jobs in any state and from earlier attempts; rounded half up once")
    func withHistory() async throws {
        let temporary = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: temporary)
        let pendingFast = try await StoreFixtures.insertJobs(store, count: 3, batch: "tonight")
        try await StoreFixtures.insertJobs(store, count: 2, batch: "tonight", mode: .professional)
        try await StoreFixtures.insertJobs(store, count: 4, batch: "other")
        let seen = try await StoreFixtures.insertJobs(store, count: 3, batch: "old")
        let seenPro = try await StoreFixtures.insertJobs(store, count: 1, batch: "old", mode: .professional)
        try StoreFixtures.update(store, job: seen[0], "state = 'COMPLETED', request_id = 'r1', cost = 240")
        try StoreFixtures.update(store, job: seen[1], "state = 'FAILED', request_id = 'r2', cost = 241")
        try StoreFixtures.update(store, job: seen[2], "state = 'IN_QUEUE', request_id = 'r3', cost = 240")
        try StoreFixtures.update(store, job: seenPro[0], "state = 'COMPLETED', request_id = 'p2', cost = 500")
        try await store.database.write { db in
            // An earlier, retried attempt counts; a copy of the current attempt does not.
            try db.execute(
                sql: """
                    INSERT INTO job_attempts (job_id, request_id, state, cost, archived_at, reason) VALUES
                      (?, 'p1', 'FAILED', 481, '2026-11-25T00:00:00.000Z', 'retry'),
                      (?, 'p2', 'COMPLETED', 500, '2026-11-25T00:00:00.000Z', 'retry')
                    """, arguments: [seenPro[0], seenPro[0]])
        }
        _ = pendingFast

        let all = try await store.costEstimate()
        let fast = try #require(all[.fast])
        #expect(fast.pending == 7 && fast.knownJobs == 3 && fast.knownCost == 721)
        #expect(fast.averageCost == 240)  // 240.33
        #expect(fast.expectedCost == 1682)  // 7 × 721 / 3 = 1682.33
        let professional = try #require(all[.professional])
        #expect(professional.pending == 2 && professional.knownJobs == 2 && professional.knownCost == 981)
        #expect(professional.averageCost == 491)  // 490.5 rounds up
        #expect(professional.expectedCost == 981)
        #expect(all.expectedCost == 1682 + 981 && all.isComplete)

        let tonight = try await store.costEstimate(batch: "tonight")
        #expect(tonight[.fast]?.pending == 3 && tonight[.fast]?.expectedCost == 721)
        #expect(tonight[.fast]?.averageCost == 240)
        #expect(!EstimateRenderer.table(tonight).contains("no history yet"))
        #expect(EstimateRenderer.json(tonight).hasPrefix(#"{"pending": 5, "expected_cost": 1702, "complete": true"#))
    }

    @Test("rounding is half up on exact integers")
    func rounding() {
        #expect(ModeEstimate.roundedQuotient(5, 2) == 3)
        #expect(ModeEstimate.roundedQuotient(7, 3) == 2)
        #expect(ModeEstimate.roundedQuotient(8, 3) == 3)
        #expect(ModeEstimate.roundedQuotient(0, 3) == 0)
        let huge = ModeEstimate(mode: .fast, pending: 1_000_000, knownJobs: 1, knownCost: Int64.max / 2)
        #expect(huge.expectedCost != nil)
    }
}
