import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// Webhooks into two `webhook serve` processes while two runners poll, all on one PostgreSQL
/// store (issue 13, point 5): the runners are crossed, each naming the other's receiver, so
/// every receiver records jobs that another process submitted; every webhook comes twice, and
/// each result is still recorded once.
@Suite(.serialized, .bounded) struct PostgresWebhookHostsEndToEndTests {
    @Test func twoReceiversAndTwoRunnersRecordEachResultOnce() async throws {
        try await PostgresEndToEnd.withFixture("webhooks into two receivers") { config in
            config.holdCompletionFromStatus = true  // polls never say COMPLETED: only webhooks do
            config.webhookDuplicateRate = 1
            config.fastDuration = 0.8
        } _: { fixture, url in
            try await fixture.importJobs(600)
            let receivers = [
                try await WebhookServeProcess.start(fixture.binary), try await WebhookServeProcess.start(fixture.binary),
            ]
            let runs = try [receivers[1], receivers[0]].map { receiver in
                try fixture.startRun(["--webhook-url", receiver.origin + "/hook", "--concurrency", "8"])
            }
            for running in runs {
                let ended = await running.wait(timeout: 600)
                #expect(ended.code == 0, "\(ended.stdout)\n\(ended.stderr.suffix(3000))")
            }
            var accepted: [Int] = []
            for receiver in receivers {
                let served = await receiver.stop()
                #expect(served.code == 0, "\(served.stderr.suffix(2000))")
                accepted.append(Self.accepted(in: served.stderr))
            }
            #expect(accepted.allSatisfy { $0 > 0 }, "each receiver recorded webhooks: \(accepted)")
            let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 600)
            #expect(jobs.allSatisfy { $0.finishedBy == "webhook" && $0.resultURL != nil })
            // Recorded once: no request id twice in the store, and an extra request beside a
            // job only for a real second submission (a POST whose answer a busy machine lost,
            // sent again after the doubt wait), flagged.
            let repeated = try await TestPostgres.rows(
                url,
                """
                SELECT request_id FROM (SELECT request_id FROM upscale_batch.jobs WHERE request_id IS NOT NULL
                                        UNION ALL SELECT request_id FROM upscale_batch.job_attempts) AS ids
                GROUP BY request_id HAVING count(*) > 1
                """)
            #expect(repeated.isEmpty, "a request recorded twice: \(repeated.prefix(3))")
            let extras = try await TestPostgres.rows(
                url, "SELECT count(*)::text AS n FROM upscale_batch.job_attempts WHERE reason = 'duplicate'")
            let extraCount = extras.first?["n"].flatMap { $0 }.flatMap { Int($0) } ?? -1
            let ledger = fixture.simulator.ledger()
            let submittedAgain = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
            #expect(
                extraCount >= 0 && extraCount <= submittedAgain, "extra requests \(extraCount), resubmissions \(submittedAgain)")
            for job in jobs where (ledger.submissionsByURL[job.url] ?? 0) > 1 {
                #expect(job.possibleDuplicate, "job \(job.id), which the API saw twice, is flagged")
            }
            let report = try await PostgresEndToEnd.report(fixture)
            #expect(
                submittedAgain > 0 || report["duplicate_cost"] as? Int == 0, "a webhook delivered twice is no duplicate charge")
            // Deliveries that timed out on a busy machine were sent again; each was recorded once.
            print(
                "[several runners] two receivers, two runners crossed: webhooks accepted \(accepted), "
                    + "\(ledger.webhooksFailed) tries failed, \(submittedAgain) resubmission(s)")
        }
    }

    /// N from the receiver's last line, "webhook receiver stopped: N webhook(s) accepted, ...".
    static func accepted(in log: String) -> Int {
        guard let line = log.split(separator: "\n").last(where: { $0.contains("webhook receiver stopped: ") }),
            let after = line.range(of: "stopped: ")?.upperBound
        else { return -1 }
        return Int(line[after...].prefix { $0.isNumber }) ?? -1
    }
}
