import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

/// A state or mode this version does not know (a newer version wrote it, or a hand edit) stops
/// every reader with a StoreError naming the job and the value, instead of a guess.
@Suite(.bounded) struct UnknownStoredValueTests {
    /// A store whose second job carries `value` in `column`, past the table's CHECK constraint.
    func store(_ dir: TemporaryDirectory, column: String, value: String) async throws -> (SQLiteJobStore, Int64) {
        let store = try StoreFixtures.makeStore(in: dir)
        let ids = try await StoreFixtures.insertJobs(store, count: 2)
        try SQLiteHandEdit.withoutTransaction(store) { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE jobs SET \(column) = ? WHERE id = ?", arguments: [value, ids[1]])
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        return (store, ids[1])
    }

    func expectNamed(_ error: StoreError?, job: Int64?, column: String, value: String) {
        guard case .sqlite(_, let detail) = error else {
            Issue.record("expected StoreError.sqlite naming the value, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("unknown \(column) '\(value)'"))
        if let job { #expect(detail.hasPrefix("job \(job) ")) }
    }

    @Test func anUnknownStateIsNamedByListStatusAndMetrics() async throws {
        let dir = TemporaryDirectory()
        let (store, id) = try await store(dir, column: "state", value: "SHELVED")
        var listed: StoreError?
        do { try await store.forEachJob(JobFilter()) { _ in } } catch { listed = error as? StoreError }
        expectNamed(listed, job: id, column: "state", value: "SHELVED")
        var one: StoreError?
        do { _ = try await store.job(id: id) } catch { one = error }
        expectNamed(one, job: id, column: "state", value: "SHELVED")
        var status: StoreError?
        do { _ = try await store.statusSnapshot() } catch { status = error }
        expectNamed(status, job: nil, column: "state", value: "SHELVED")
        var metrics: StoreError?
        do { _ = try await store.metricsSnapshot() } catch { metrics = error }
        expectNamed(metrics, job: nil, column: "state", value: "SHELVED")
    }

    @Test func anUnknownModeIsNamedNotReadAsFast() async throws {
        let dir = TemporaryDirectory()
        let (store, id) = try await store(dir, column: "mode", value: "ultra")
        var listed: StoreError?
        do { _ = try await store.job(id: id) } catch { listed = error }
        expectNamed(listed, job: id, column: "mode", value: "ultra")
    }
}
