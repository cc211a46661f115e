import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct JobStoreQueryTests {
    /// Three fast and two professional jobs in two batches, in every interesting state.
    func stagedStore(_ dir: TemporaryDirectory) async throws -> SQLiteJobStore {
        let store = try StoreFixtures.makeStore(in: dir)
        let fast = try await StoreFixtures.insertJobs(store, count: 3, batch: "night-1")
        let pro = try await StoreFixtures.insertJobs(store, count: 2, batch: "night-2", mode: .professional)
        try StoreFixtures.update(
            store, job: fast[0],
            "state = 'COMPLETED', request_id = 'r1', cost = 240, result_url = 'https://r/1', submitted_at = '2026-11-24T23:59:59.000Z'"
        )
        try StoreFixtures.update(
            store, job: fast[1],
            "state = 'FAILED', request_id = 'r2', cost = 240, error = 'bad image', submitted_at = '2026-11-25T00:00:01.000Z'")
        try StoreFixtures.update(
            store, job: pro[0],
            "state = 'IN_PROGRESS', request_id = 'r3', cost = 480, submitted_at = '2026-11-25T01:00:00.000Z', possible_duplicate = 1"
        )
        _ = pro
        return store
    }

    @Test func statusCountsStatesInFlightUnsubmittedAndCosts() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        let snapshot = try await store.statusSnapshot()
        #expect(snapshot.counts == [.pending: 2, .inQueue: 0, .inProgress: 1, .completed: 1, .failed: 1])
        #expect(snapshot.inFlight == 1)
        #expect(snapshot.unsubmitted == 2)
        #expect(snapshot.possibleDuplicates == 1)
        #expect(snapshot.costs == CostTotals(total: 960, completed: 240, failed: 240))
        let json = try JSONSerialization.jsonObject(with: Data(StatusRenderer.json(snapshot).utf8)) as? [String: Any]
        #expect((json?["counts"] as? [String: Int])?["PENDING"] == 2)
        #expect(json?["total_cost"] as? Int == 960)
        #expect(json?["completed_cost"] as? Int == 240)
        #expect(json?["failed_cost"] as? Int == 240)
        #expect(json?["in_flight"] as? Int == 1)
        #expect(json?["unsubmitted"] as? Int == 2)
    }

    @Test func reportGroupsByEachKeyAndSumsExactly() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        let byMode = try await store.costReport(by: .mode)
        #expect(byMode.groups.map(\.key) == ["fast", "professional"])
        #expect(
            byMode.groups[0]
                == ReportGroup(
                    key: "fast", jobs: 3, completed: 1, failed: 1, costs: CostTotals(total: 480, completed: 240, failed: 240)))
        #expect(byMode.groups[1].costs == CostTotals(total: 480, completed: 0, failed: 0))
        #expect(byMode.costs == CostTotals(total: 960, completed: 240, failed: 240))
        #expect(byMode.jobs == 5)

        let byDay = try await store.costReport(by: .day)
        #expect(byDay.groups.map(\.key) == ["2026-11-24", "2026-11-25", "unsubmitted"])
        #expect(byDay.groups.map(\.jobs) == [1, 2, 2])

        let byBatch = try await store.costReport(by: .batch)
        #expect(byBatch.groups.map(\.key) == ["night-1", "night-2"])
        let byState = try await store.costReport(by: .state)
        #expect(byState.groups.map(\.key) == ["COMPLETED", "FAILED", "IN_PROGRESS", "PENDING"])

        let since = try await store.costReport(by: .mode, filter: ReportFilter(since: "2026-11-25", until: "2026-11-25"))
        #expect(since.jobs == 2, "days filter on the UTC day of submission, both ends inclusive")
        let oneBatch = try await store.costReport(by: .mode, filter: ReportFilter(batch: "night-2"))
        #expect(oneBatch.jobs == 2)
    }

    @Test func reportCostsAreExactBeyondDoublePrecision() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let ids = try await StoreFixtures.insertJobs(store, count: 3)
        let big: Int64 = 3_000_000_000_000_001  // not representable as a Double
        for id in ids { try StoreFixtures.update(store, job: id, "state = 'COMPLETED', request_id = 'r\(id)', cost = ?", [big]) }
        let report = try await store.costReport(by: .mode)
        #expect(report.costs.completed == big * 3)
        #expect(CostReportRenderer.json(report).contains("\(big * 3)"))
    }

    @Test func listStreamsJobsWithFiltersAndLimit() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        let all = try await listed(store, JobFilter())
        #expect(all.map(\.id) == [1, 2, 3, 4, 5])
        #expect(all[0].state == .completed && all[0].cost == 240 && all[0].resultURL == "https://r/1")
        let failed = try await listed(store, JobFilter(state: .failed))
        #expect(failed.map(\.error) == ["bad image"])
        let limited = try await listed(store, JobFilter(batch: "night-2", limit: 1))
        #expect(limited.map(\.id) == [4])
    }

    @Test func listRenderersProduceTheContractsShapes() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        for format in OutputFormat.allCases {
            var sink = StringSink()
            var renderer = JobListRenderer(format: format)
            renderer.begin(into: &sink)
            for job in try await listed(store, JobFilter()) { renderer.write(job, into: &sink) }
            renderer.end(into: &sink)
            switch format {
            case .json:
                let array = try JSONSerialization.jsonObject(with: Data(sink.text.utf8)) as? [[String: Any]]
                #expect(array?.count == 5)
                #expect(Set(array?[0].keys.map { $0 } ?? []) == Set(JobListRenderer.fields))
                #expect(array?[0]["cost"] as? Int == 240)
                #expect(array?[4]["request_id"] is NSNull)
                #expect(array?[3]["possible_duplicate"] as? Bool == true)
            case .csv:
                let lines = sink.text.split(separator: "\n")
                #expect(lines.first == "id,batch,url,mode,state,request_id,cost,result_url,error,possible_duplicate")
                #expect(lines.count == 6)
            case .table:
                #expect(sink.text.split(separator: "\n").count == 6)
            }
        }
        var empty = StringSink()
        let renderer = JobListRenderer(format: .json)
        renderer.begin(into: &empty)
        renderer.end(into: &empty)
        #expect(try JSONSerialization.jsonObject(with: Data(empty.text.utf8)) as? [Any] != nil)
    }

    @Test func retryMovesFailedJobsBackAndKeepsTheirHistory() async throws {
        let dir = TemporaryDirectory()
        let store = try await stagedStore(dir)
        #expect(try await store.retryFailed(batch: "night-2") == 0)
        #expect(try await store.retryFailed() == 1)
        let job = try await #require(try store.job(id: 2))
        #expect(job.state == .pending && job.requestID == nil && job.cost == nil && job.error == nil)
        let history = try SQLiteHandEdit.read(store) { db in
            try Row.fetchOne(db, sql: "SELECT request_id, cost, error, state, reason FROM job_attempts WHERE job_id = 2")
        }
        #expect(history?["request_id"] == "r2")
        #expect(history?["cost"] == 240)
        #expect(history?["error"] == "bad image")
        #expect(history?["state"] == "FAILED")
        #expect(history?["reason"] == "retry")
        #expect(try await store.retryFailed() == 0, "nothing failed is left")
    }

    @Test func escapingHandlesQuotesNewlinesAndControlCharacters() {
        #expect(TextEscaping.csv("plain") == "plain")
        #expect(TextEscaping.csv("a,b") == "\"a,b\"")
        #expect(TextEscaping.csv("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(TextEscaping.json("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    }
}

/// The jobs `forEachJob` streams, in the order it streams them.
private func listed(_ store: any JobStore, _ filter: JobFilter) async throws -> [Job] {
    let jobs = Mutex<[Job]>([])
    try await store.forEachJob(filter) { job in jobs.withLock { $0.append(job) } }
    return jobs.withLock { $0 }
}
