import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

/// The SQLite store's report totals (`JobTotals`): after every kind of write they equal a
/// count of the jobs, and the report reads them.
@Suite(.bounded) struct JobTotalsTests {
    /// The totals' groups with anything in them, and the same groups counted from the jobs.
    private func totalsAndRecount(_ store: SQLiteJobStore) throws -> (totals: [[String]], recount: [[String]]) {
        try SQLiteHandEdit.read(store) { db in
            let rows = { (sql: String) in
                try Row.fetchAll(db, sql: sql).map { row in (0..<row.count).map { String(describing: row[$0] as DatabaseValue) } }
            }
            return (
                try rows(
                    "SELECT batch_id, mode, state, day, jobs, cost FROM job_totals WHERE jobs <> 0 OR cost <> 0 ORDER BY 1, 2, 3, 4"
                ),
                try rows(
                    """
                    SELECT batch_id, mode, state, coalesce(substr(submitted_at, 1, 10), ''), count(*), coalesce(sum(cost), 0)
                    FROM jobs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
                    """)
            )
        }
    }

    private func expectTotalsMatch(_ store: SQLiteJobStore, _ when: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let (totals, recount) = try totalsAndRecount(store)
        #expect(!recount.isEmpty, "\(when): the store holds jobs", sourceLocation: sourceLocation)
        #expect(totals == recount, "\(when): the totals equal a count of the jobs", sourceLocation: sourceLocation)
    }

    @Test func theTotalsFollowEveryWriteAndACopy() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let named = try await store.stageEveryState()
        try expectTotalsMatch(store, "jobs in every state")

        // An import whose file repeats itself and the store: counted from the rows it added.
        let imported = try await store.importURLs(
            ["https://x.test/1.jpg", "https://x.test/new-1.jpg", "https://x.test/new-1.jpg", "https://x.test/new-2.jpg"],
            batch: "night")
        #expect(imported.inserted == 2 && imported.duplicates == 2)
        try await store.importURLs(["https://x.test/late.jpg"], batch: "late", mode: .professional)
        try expectTotalsMatch(store, "after imports with duplicates")

        // A cost found later, a retry, and an edit by hand: the triggers move the groups.
        try StoreFixtures.update(store, job: named["progress"]!, "state = 'COMPLETED', cost = 480")
        #expect(try await store.retryFailed() == 1)
        try StoreFixtures.update(store, job: named["completed"]!, "submitted_at = '2026-12-24T10:00:00.000Z'")
        try expectTotalsMatch(store, "after later writes")
        // No command deletes a job; one deleted by hand leaves its group all the same.
        try SQLiteHandEdit.write(store) { db in
            try db.execute(sql: "DELETE FROM jobs WHERE url = 'https://x.test/late.jpg'")
            #expect(db.changesCount == 1)
        }
        try expectTotalsMatch(store, "after a job deleted by hand")

        let copy = try StoreFixtures.makeStore(in: directory, name: "copy.sqlite3")
        _ = try await StoreCopy.copy(from: store, to: copy)
        try expectTotalsMatch(copy, "in a copy")
        #expect(try totalsAndRecount(copy).totals == totalsAndRecount(store).totals)
    }

    @Test func theReportReadsTheTotalsAndARunsScopeTheJobs() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        _ = try await store.stageEveryState()
        let before = try await store.costReport(by: .mode)
        // Totals that no longer match the jobs show in the report: it read them, not the jobs.
        try SQLiteHandEdit.write(store) { db in
            try db.execute(sql: "UPDATE job_totals SET cost = cost + 1000 WHERE mode = 'fast' AND state = 'COMPLETED'")
        }
        let after = try await store.costReport(by: .mode)
        #expect(after.costs.completed == before.costs.completed + 1000)
        let runs = try SQLiteHandEdit.read(store) { db in try String.fetchAll(db, sql: "SELECT id FROM runs ORDER BY id") }
        let scoped = try await store.costReport(by: .mode, filter: ReportFilter(runID: try #require(runs.first)))
        #expect(scoped.costs.completed <= before.costs.completed, "a run's scope is counted from its jobs")
    }

    /// Every grouping and filter of the report, and the cost page's days, read from the totals
    /// and then, with the totals gone (as in a read-only store from before them), from the jobs.
    @Test func theReportIsTheSameFromTheTotalsAsFromTheJobs() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let named = try await store.stageEveryState()
        try StoreFixtures.update(store, job: named["completed"]!, "submitted_at = '2026-11-24T10:00:00.000Z'")
        try await store.importURLs(["https://x.test/late.jpg"], batch: "late", mode: .professional)
        let filters = [
            ReportFilter(), ReportFilter(batch: "pro"), ReportFilter(since: "2026-11-25"), ReportFilter(until: "2026-11-30"),
            ReportFilter(since: "2026-11-24", until: "2026-11-24"),
        ]
        func everything() async throws -> (reports: [CostReport], days: [[DailyModeCost]]) {
            var reports: [CostReport] = []
            var days: [[DailyModeCost]] = []
            for filter in filters {
                for grouping in ReportGrouping.allCases {
                    reports.append(try await store.costReport(by: grouping, filter: filter))
                }
                days.append(try await store.dailyCosts(filter: filter))
            }
            return (reports, days)
        }
        let fromTotals = try await everything()
        #expect(fromTotals.reports.contains { $0.costs.duplicate > 0 } && fromTotals.days.contains { !$0.isEmpty })
        try SQLiteHandEdit.write(store) { db in try db.execute(sql: "DROP TABLE job_totals") }
        let fromJobs = try await everything()
        #expect(fromJobs.reports == fromTotals.reports)
        #expect(fromJobs.days == fromTotals.days)
    }

    @Test func aStoreFromBeforeTheTotalsGetsThemWhenUpgraded() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("old.sqlite3")
        let queue = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(queue, upTo: "v9-runner-heartbeat")
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO batches (name, source_file, imported_at) VALUES ('old', 'old.csv', 'x')")
            for (index, state, cost, day) in [
                (1, "PENDING", nil, nil), (2, "COMPLETED", 120, "2026-11-20"), (3, "COMPLETED", 240, "2026-11-21"),
                (4, "FAILED", 0, "2026-11-21"),
            ] as [(Int, String, Int?, String?)] {
                try db.execute(
                    sql: """
                        INSERT INTO jobs (batch_id, url, mode, state, cost, submitted_at, created_at, updated_at)
                        VALUES (1, ?, 'fast', ?, ?, ?, 'x', 'x')
                        """, arguments: ["https://x.test/old-\(index).jpg", state, cost, day.map { $0 + "T01:00:00.000Z" }])
            }
        }
        try queue.close()
        let store = try SQLiteJobStore.openOrCreate(at: path)
        try expectTotalsMatch(store, "after the upgrade")
        let report = try await store.costReport(by: .day)
        #expect(report.groups.map(\.key) == ["2026-11-20", "2026-11-21", "unsubmitted"])
        #expect(report.costs.completed == 360)
    }
}
