import Foundation
import GRDB
import Prometheus
import TestSupport
import Testing

@testable import UpscaleBatch

/// The metrics through a registry of the test's own (no process-wide bootstrap), and the
/// store's figures behind the gauges.
@Suite(.bounded) struct MetricsTests {
    private func makeMetrics() -> (UpscaleBatchMetrics, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[UpscaleBatchMetrics.Name.apiRequestDuration] =
            UpscaleBatchMetrics.durationBuckets.map { .nanoseconds(Int64($0 * 1e9)) }
        return (UpscaleBatchMetrics(factory: factory), registry)
    }

    @Test func countersAndHistogramCarryOnlyFixedLabels() {
        let (metrics, registry) = makeMetrics()
        metrics.apiRequest(endpoint: "queue", status: 200, seconds: 0.03)
        metrics.apiRequest(endpoint: "queue", status: 200, seconds: 0.2)
        metrics.apiRequest(endpoint: "status", status: 503, seconds: 90)
        metrics.apiRequest(endpoint: "status", status: nil, seconds: 0.01)
        metrics.submitted(3, possibleDuplicates: 1)
        metrics.credits(mode: "fast", quoted: 480, spent: 240)
        metrics.webhookReceived(outcome: "accepted")
        let text = registry.emitToString()
        #expect(text.contains(#"upscale_batch_api_requests_total{endpoint="queue",status="200"} 2"#), "\(text)")
        #expect(text.contains(#"upscale_batch_api_requests_total{endpoint="status",status="503"} 1"#))
        #expect(text.contains(#"upscale_batch_api_requests_total{endpoint="status",status="error"} 1"#))
        #expect(text.contains(#"upscale_batch_api_request_duration_seconds_bucket{endpoint="queue",le="0.025"} 0"#))
        #expect(text.contains(#"upscale_batch_api_request_duration_seconds_bucket{endpoint="queue",le="0.05"} 1"#))
        #expect(text.contains(#"upscale_batch_api_request_duration_seconds_bucket{endpoint="status",le="60.0"} 1"#))
        #expect(text.contains(#"upscale_batch_api_request_duration_seconds_bucket{endpoint="status",le="120.0"} 2"#))
        #expect(text.contains("upscale_batch_submissions_total 3"))
        #expect(text.contains("upscale_batch_possible_duplicates_total 1"))
        #expect(text.contains(#"upscale_batch_credits_quoted_total{mode="fast"} 480"#))
        #expect(text.contains(#"upscale_batch_credits_spent_total{mode="fast"} 240"#))
        #expect(text.contains(#"upscale_batch_credits_spent_total{mode="professional"} 0"#), "known series start at 0")
        #expect(text.contains(#"upscale_batch_webhooks_received_total{outcome="accepted"} 1"#))
        let labels = Set(
            text.matches(of: /([a-z_]+)="/).map { String($0.1) })
        #expect(labels.isSubset(of: ["endpoint", "status", "le", "mode", "outcome", "state"]), "\(labels)")
    }

    @Test func storeSnapshotCountsStatesOldestUnfinishedAndLastSuccess() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let ids = try await StoreFixtures.insertJobs(store, count: 5)
        try SQLiteHandEdit.write(store) { db in
            try db.execute(
                sql: "UPDATE jobs SET state = 'COMPLETED', cost = 240 WHERE id IN (?, ?)", arguments: [ids[0], ids[1]])
            try db.execute(sql: "UPDATE jobs SET state = 'FAILED' WHERE id = ?", arguments: [ids[2]])
            try db.execute(
                sql: "UPDATE jobs SET state = 'IN_PROGRESS', created_at = '2026-11-24T00:00:00.000Z' WHERE id = ?",
                arguments: [ids[3]])
        }
        let now = UTCTime.parse("2026-11-25T01:00:00.000Z")!
        var snapshot = try await store.metricsSnapshot(now: now)
        #expect(snapshot.counts == [.pending: 1, .inQueue: 0, .inProgress: 1, .completed: 2, .failed: 1])
        #expect(abs((snapshot.oldestUnfinishedAge ?? 0) - 25 * 3600) < 0.01, "the IN_PROGRESS job imported a day earlier")
        #expect(snapshot.lastSuccess == nil)

        try await store.recordRunSucceeded(at: Date(timeIntervalSince1970: 1_800_000_000))
        try await store.recordRunSucceeded(at: Date(timeIntervalSince1970: 1_800_000_123.5))
        snapshot = try await store.metricsSnapshot(now: now)
        #expect(abs((snapshot.lastSuccess ?? 0) - 1_800_000_123.5) < 0.01)

        try SQLiteHandEdit.write(store) { db in try db.execute(sql: "UPDATE jobs SET state = 'COMPLETED'") }
        #expect(try await store.metricsSnapshot(now: now).oldestUnfinishedAge == nil, "nothing unfinished")

        let (metrics, registry) = makeMetrics()
        await metrics.record(try store.metricsSnapshot(now: now))
        let text = registry.emitToString()
        #expect(text.contains(#"upscale_batch_jobs{state="COMPLETED"} 5"#), "\(text)")
        #expect(text.contains("upscale_batch_last_success_timestamp_seconds 1800000123.5"))
    }

    /// The scrape's queries must not scan the table: with a million jobs that costs 0.6-0.7 s
    /// a scrape here, against about 0.12 s through the index (README, "Metrics").
    @Test func scrapeQueriesUseTheStateIndex() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        try await StoreFixtures.insertJobs(store, count: 3)
        let details = try SQLiteHandEdit.read(store) { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT state, count(*) AS jobs FROM jobs GROUP BY state").map {
                $0["detail"] as String
            }
                + Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT min(id) FROM jobs WHERE state = 'PENDING'").map {
                    $0["detail"] as String
                }
        }
        #expect(details.allSatisfy { !$0.hasPrefix("SCAN jobs") || $0.contains("INDEX jobs_state") }, "\(details)")
        #expect(details.contains { $0.contains("jobs_state") }, "\(details)")
    }

    @Test func runCreditsCountEndedJobsOfTheRunByMode() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let fast = try await StoreFixtures.insertJobs(store, count: 3)
        let pro = try await StoreFixtures.insertJobs(store, count: 2, mode: .professional)
        try SQLiteHandEdit.write(store) { db in
            try db.execute(
                sql: "INSERT INTO runs (id, pid, host, started_at) VALUES ('r1', 1, 'h', '2026-12-01T00:00:00.000Z')")
            try db.execute(sql: "INSERT INTO run_scope (run_id, job_id) SELECT 'r1', id FROM jobs")
            try db.execute(sql: "UPDATE jobs SET cost = 240 WHERE mode = 'fast'")
            try db.execute(sql: "UPDATE jobs SET cost = 480 WHERE mode = 'professional'")
            try db.execute(
                sql: "UPDATE jobs SET state = 'COMPLETED' WHERE id IN (?, ?, ?)", arguments: [fast[0], fast[1], pro[0]])
            try db.execute(sql: "UPDATE jobs SET state = 'FAILED' WHERE id = ?", arguments: [pro[1]])
        }
        let credits = try await store.runCredits(runID: "r1")
        #expect(credits["fast"] == CostTotals(total: 480, completed: 480, failed: 0), "the job in flight is not counted yet")
        #expect(credits["professional"] == CostTotals(total: 960, completed: 480, failed: 480))
        #expect(try await store.runCredits(runID: "other").isEmpty)
    }
}
