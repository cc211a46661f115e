import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// import → run → report on a PostgreSQL store, through the built binary against the
/// simulator: what RunEndToEndTests and WebhookRunEndToEndTests hold on SQLite.
@Suite(.serialized, .bounded) struct PostgresRunEndToEndTests {
    @Test func importRunReportByPollsCostsWhatTheLedgerSays() async throws {
        try await PostgresEndToEnd.withFixture("import, run --poll-only, report") { fixture, url in
            try await fixture.importJobs(30)
            try await fixture.importJobs(10, prefix: "pro", mode: "professional")
            let result = try await fixture.run(["--poll-only", "--concurrency", "8"])
            #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("every job finished"), "\(result.stdout)")
            try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 40)
            let ledger = fixture.simulator.ledger()
            // No duplicate: the report's total is every charge the API made.
            #expect(ledger.submissionsByURL.values.allSatisfy { $0 == 1 })
            let report = try await PostgresEndToEnd.report(fixture)
            #expect(report["total_cost"] as? Int == ledger.costByRequestID.values.reduce(0, +))
            #expect(report["total_cost"] as? Int == 30 * 240 + 10 * 480)
            #expect(ledger.maxInFlight <= 8)
        }
    }

    @Test func runListenFinishesJobsByWebhooksOnPostgres() async throws {
        try await PostgresEndToEnd.withFixture("run --listen") { config in
            config.holdCompletionFromStatus = true  // polls never say COMPLETED: only webhooks do
            config.webhookDuplicateRate = 1  // and every webhook comes twice
            config.fastDuration = 0.8
        } _: { fixture, url in
            try await fixture.importJobs(40)
            let result = try await fixture.run(["--listen", "127.0.0.1:0", "--concurrency", "8"])
            #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)")
            let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 40)
            #expect(jobs.allSatisfy { $0.finishedBy == "webhook" && $0.resultURL != nil })
            let report = try await PostgresEndToEnd.report(fixture)
            #expect(report["duplicate_cost"] as? Int == 0, "a webhook delivered twice is no duplicate charge")
        }
    }

    /// `webhook serve` on the same database as a run that sends it the webhooks
    /// (`--webhook-url`): each webhook is recorded once, though every one arrives twice, and
    /// the run, which polls only for costs once webhooks finish jobs, ends with every job final.
    @Test func webhookServeBesideARunRecordsEachWebhookOnce() async throws {
        try await PostgresEndToEnd.withFixture("webhook serve beside run") { config in
            config.holdCompletionFromStatus = true
            config.webhookDuplicateRate = 1
            config.fastDuration = 0.8
        } _: { fixture, url in
            try await fixture.importJobs(40)
            let serve = try await WebhookServeProcess.start(fixture.binary)
            let result = try await fixture.run(["--webhook-url", serve.origin + "/hook", "--concurrency", "8"])
            let served = await serve.stop()
            #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)\n\(served.stderr)")
            #expect(served.code == 0, "\(served.stderr)")
            let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 40)
            #expect(jobs.allSatisfy { $0.finishedBy == "webhook" && $0.resultURL != nil })
            // Recorded once: no delivery was kept as an extra request beside its job.
            let extras = try await TestPostgres.rows(
                url, "SELECT count(*)::text AS n FROM upscale_batch.job_attempts WHERE reason = 'duplicate'")
            #expect(extras.first?["n"] == "0", "\(extras)")
            #expect(await eventually { fixture.simulator.ledger().webhooksSent >= 40 }, "the deliveries were answered 2xx")
            #expect(fixture.simulator.ledger().webhooksFailed == 0, "no delivery was refused or answered 503")
            let report = try await PostgresEndToEnd.report(fixture)
            #expect(report["duplicate_cost"] as? Int == 0)
        }
    }
}
