import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// What the PostgreSQL end-to-end tests share: a fixture whose every command works a fresh
/// database of the test server, and the store's rows read on a connection of the test's own.
enum PostgresEndToEnd {
    /// Runs `body` with a simulator and a fresh database (the binary's `UPSCALE_DB`); without a
    /// test server, says loudly that `what` was skipped, and in CI fails.
    static func withFixture(
        _ what: String, _ configure: @escaping (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: (EndToEndFixture, String) async throws -> Void
    ) async throws {
        try await TestPostgres.withDatabase(what) { url in
            let fixture = try await EndToEndFixture(store: url, configure)
            do { try await body(fixture, url) } catch {
                await fixture.shutdown()
                throw error
            }
            await fixture.shutdown()
        }
    }

    /// One job's row as the PostgreSQL store holds it.
    struct JobRow: Sendable {
        var id: Int64
        var url: String
        var state: String
        var requestID: String?
        var cost: Int?
        var resultURL: String?
        var submitting: Bool
        var possibleDuplicate: Bool
        var finishedBy: String?
    }

    /// Every job of the store at `url`, in id order.
    static func jobs(_ url: String) async throws -> [JobRow] {
        try await TestPostgres.rows(
            url,
            """
            SELECT id::text, url, state, request_id, cost::text, result_url, submitting::text,
                   possible_duplicate::text, finished_by
            FROM upscale_batch.jobs ORDER BY id
            """
        ).map { row in
            func text(_ name: String) -> String? { row[name] ?? nil }
            return JobRow(
                id: Int64(text("id") ?? "") ?? -1, url: text("url") ?? "", state: text("state") ?? "",
                requestID: text("request_id"), cost: text("cost").flatMap { Int($0) }, resultURL: text("result_url"),
                submitting: text("submitting") == "true", possibleDuplicate: text("possible_duplicate") == "true",
                finishedBy: text("finished_by"))
        }
    }

    /// `report --format json` of the fixture's store, decoded.
    static func report(_ fixture: EndToEndFixture) async throws -> [String: Any] {
        let report = try await fixture.binary.run(["report", "--format", "json"])
        #expect(report.code == 0, "\(report.stderr)")
        return try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any] ?? [:]
    }

    /// The checks every run ends with: every job COMPLETED, each job's cost the one the API
    /// quoted for its request, every URL submitted, and the report's totals equal to the
    /// ledger's charges for the recorded requests (plus `duplicateCost`, when webhooks revealed
    /// extra requests). Returns the jobs.
    @discardableResult
    static func expectEveryJobCostsWhatTheLedgerSays(
        _ fixture: EndToEndFixture, _ url: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [JobRow] {
        let jobs = try await jobs(url)
        let ledger = fixture.simulator.ledger()
        #expect(jobs.count == count, sourceLocation: sourceLocation)
        let unfinished = jobs.filter { $0.state != "COMPLETED" }
        // Values, not the arrays, in the expectations: a failure prints what it compared.
        let allCompleted = unfinished.isEmpty
        #expect(
            allCompleted, "\(unfinished.count) job(s) not COMPLETED, e.g. \(unfinished.prefix(2))", sourceLocation: sourceLocation
        )
        let quoted = jobs.reduce(0) { $0 + ($1.requestID.flatMap { ledger.costByRequestID[$0] } ?? -1_000_000) }
        let stored = jobs.reduce(0) { $0 + ($1.cost ?? 0) }
        #expect(stored == quoted, "each job's cost is the one the API quoted for its request", sourceLocation: sourceLocation)
        let unsubmitted = Set(jobs.map(\.url)).subtracting(ledger.submissionsByURL.keys)
        let everySubmitted = unsubmitted.isEmpty
        #expect(
            everySubmitted, "\(unsubmitted.count) job(s) never submitted, e.g. \(unsubmitted.prefix(2))",
            sourceLocation: sourceLocation)
        let report = try await report(fixture)
        let duplicateCost = report["duplicate_cost"] as? Int ?? -1
        #expect(report["completed_cost"] as? Int == quoted, "\(report)", sourceLocation: sourceLocation)
        #expect(report["total_cost"] as? Int == quoted + duplicateCost, "\(report)", sourceLocation: sourceLocation)
        #expect(report["jobs"] as? Int == count, "\(report)", sourceLocation: sourceLocation)
        return jobs
    }
}
