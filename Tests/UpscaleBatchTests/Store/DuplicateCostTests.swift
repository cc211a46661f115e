import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

/// Issue 14, point 6: a duplicate charge's cost counts in its job's own group, apart from
/// completed and failed costs, and in `total_cost`; an attempt moved aside by `retry` does not.
@Suite(.bounded) struct DuplicateCostTests {
    func stagedStore(_ dir: TemporaryDirectory) async throws -> SQLiteJobStore {
        let store = try StoreFixtures.makeStore(in: dir)
        let fast = try await StoreFixtures.insertJobs(store, count: 2, batch: "night-1")
        let pro = try await StoreFixtures.insertJobs(store, count: 1, batch: "night-2", mode: .professional)
        try StoreFixtures.update(
            store, job: fast[0],
            "state = 'COMPLETED', request_id = 'r1', cost = 240, submitted_at = '2026-11-24T23:59:59.000Z'")
        try StoreFixtures.update(
            store, job: pro[0],
            "state = 'FAILED', request_id = 'r3', cost = 480, submitted_at = '2026-11-25T01:00:00.000Z'")
        try SQLiteHandEdit.write(store) { db in
            let insert = """
                INSERT INTO job_attempts (job_id, request_id, state, cost, archived_at, reason)
                VALUES (?, ?, 'COMPLETED', ?, '2026-11-25T02:00:00.000Z', ?)
                """
            try db.execute(sql: insert, arguments: [fast[0], "r1-dup", 240, "duplicate"])
            try db.execute(sql: insert, arguments: [pro[0], "r3-dup", 480, "duplicate"])
            try db.execute(sql: insert, arguments: [pro[0], "r3-old", 480, "retry"])  // not a duplicate
        }
        return store
    }

    @Test func statusCountsDuplicatesApartAndInTheTotal() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        let costs = try await store.statusSnapshot().costs
        #expect(costs == CostTotals(total: 240 + 480 + 240 + 480, completed: 240, failed: 480, duplicate: 720))
        #expect(try await store.statusSnapshot(batch: "night-2").costs.duplicate == 480)
        let json = await StatusRenderer.json(try store.statusSnapshot())
        #expect(json.contains(#""duplicate_cost": 720"#))
    }

    @Test(arguments: [
        (ReportGrouping.mode, ["fast": 240, "professional": 480]),
        (.batch, ["night-1": 240, "night-2": 480]),
        (.day, ["2026-11-24": 240, "2026-11-25": 480]),
        (.state, ["COMPLETED": 240, "FAILED": 480]),
    ])
    func reportPutsDuplicatesInTheirJobsGroup(grouping: ReportGrouping, expected: [String: Int64]) async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        let report = try await store.costReport(by: grouping)
        for group in report.groups {
            #expect(group.costs.duplicate == expected[group.key] ?? 0, "\(group.key)")
            #expect(group.costs.total >= group.costs.duplicate, "a group's cost includes its duplicates")
        }
        #expect(report.costs.duplicate == 720)
        #expect(report.costs.total == 1440)
    }

    @Test func reportFormatsCarryDuplicateCost() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        let report = try await store.costReport(by: .mode, filter: ReportFilter(since: "2026-11-25"))
        #expect(
            CostReportRenderer.csv(report)
                == "key,jobs,completed,failed,cost,completed_cost,failed_cost,duplicate_cost\nprofessional,1,0,1,960,0,480,480\n")
        let json = CostReportRenderer.json(report)
        #expect(json.contains(#""duplicate_cost": 480, "jobs": 1"#))
        #expect(json.contains(#""failed_cost": 480, "duplicate_cost": 480}"#))
        #expect(CostReportRenderer.table(report).contains("duplicates"))
    }
}
