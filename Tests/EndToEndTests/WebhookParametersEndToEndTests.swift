import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// Issue 14, points 4 and 6, where users meet them: the webhook URL's parameters, refused
/// webhooks, and duplicate charges revealed by webhooks.
@Suite(.serialized, .bounded) struct WebhookParametersEndToEndTests {
    /// `--webhook-url ...?token=proxy-secret&job=nightly`: the user's parameters are kept and
    /// ours (`ub_job`, `ub_token`) still match, so webhooks finish the jobs (polls never do here).
    @Test func aWebhookURLWithItsOwnTokenAndJobParametersStillWorks() async throws {
        let fixture = try await EndToEndFixture { config in
            config.holdCompletionFromStatus = true  // polls never say COMPLETED: only webhooks do
            config.fastDuration = 0.5
        }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(6)
        let serve = try await WebhookServeProcess.start(fixture.binary)
        let result = try await fixture.run([
            "--webhook-url", serve.origin + "/hooks/x?token=proxy-secret&job=nightly", "--max-wait", "60",
        ])
        let served = await serve.stop()
        #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)\n\(served.stderr)")
        let finishedByWebhook = try await DatabaseQueue(path: fixture.storePath).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE finished_by = 'webhook'")
        }
        #expect(finishedByWebhook == 6)
        #expect(!served.stderr.contains("webhook refused"), "\(served.stderr)")
        #expect(served.stderr.contains("6 webhook(s) accepted, 0 refused"), "\(served.stderr)")
    }

    @Test(arguments: ["ub_job=1", "ub_token=s", "a=1&UB_TOKEN=s"])
    func aWebhookURLCarryingOurParametersIsRefused(_ query: String) async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(1)
        let result = try await fixture.run(["--webhook-url", "https://hooks.example/x?\(query)"])
        #expect(result.code == 2)
        #expect(result.stderr.contains("ub_"), "\(result.stderr)")
        let fromEnvironment = try await fixture.binary.run(
            fixture.runArguments(),
            environment: fixture.apiEnvironment.merging(["ENHANCOR_WEBHOOK_URL": "https://h/x?\(query)"]) { $1 })
        #expect(fromEnvironment.code == 2)
        #expect(fromEnvironment.stderr.contains("ENHANCOR_WEBHOOK_URL"), "\(fromEnvironment.stderr)")
        #expect(fixture.simulator.ledger().totalRequests == 0)
    }

    /// Refused webhooks are counted in the run summary and warned about: a misconfigured proxy
    /// shows instead of results silently coming by polling alone.
    @Test func refusedWebhooksAreCountedInTheRunSummary() async throws {
        let fixture = try await EndToEndFixture { config in config.fastDuration = 3 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(2)
        let running = try fixture.startRun(["--listen", "127.0.0.1:0"])
        var port: String?
        let deadline = Date().addingTimeInterval(60)
        while port == nil && running.process.isRunning && Date() < deadline {
            let err = (try? String(contentsOfFile: running.errPath, encoding: .utf8)) ?? ""
            if let range = err.range(of: "receiving webhooks on port ") {
                port = String(err[range.upperBound...].prefix { $0.isNumber })
            } else {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        let listener = try #require(port, "the run never said where it listens")
        let forged = try await LoopbackHTTP.post(
            "http://127.0.0.1:\(listener)/webhook?ub_job=1&ub_token=wrong",
            json: #"{"request_id": "x", "status": "success", "result": "https://evil.example/x.png"}"#)
        #expect(forged.status == 401)
        let result = await running.wait(timeout: 120)
        #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" accepted, 1 refused (1 wrong token,"), "\(result.stdout)")
        // The core says what to check; the executable adds the flag that sets it.
        #expect(result.stdout.contains("check the webhook URL (--webhook-url)"), "\(result.stdout)")
        #expect(result.stderr.contains("webhook refused (HTTP 401)"), "\(result.stderr)")
    }

    /// A webhook with the right token for a job never submitted: 409, logged at warning level,
    /// and the job is untouched (it used to become COMPLETED with a forged result).
    @Test func aForgedWebhookForAnUnsubmittedJobIs409() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(1)
        let secret = try webhookSecret(fixture)
        let serve = try await WebhookServeProcess.start(fixture.binary)
        // Both names (earlier versions read `job` and `token`): whatever the receiver reads, the
        // token is right.
        let answer = try await LoopbackHTTP.post(
            serve.origin + "/hook?job=1&token=\(secret)&ub_job=1&ub_token=\(secret)",
            json: #"{"request_id": "forged", "status": "success", "result": "https://evil.example/x.png"}"#)
        let served = await serve.stop()
        #expect(answer.status == 409, "\(answer.body)")
        #expect(served.stderr.contains("warning") && served.stderr.contains("409"), "\(served.stderr)")
        let job = try #require(try fixture.jobs().first)
        #expect(job["state"] as String == "PENDING")
        #expect((job["request_id"] as String?) == nil)
        #expect((job["result_url"] as String?) == nil)
    }

    /// A webhook naming a request id that is not the job's: a duplicate charge the API really ran.
    /// It is kept, the next run polls it once for its cost, and it counts as duplicate_cost in
    /// the run summary, `status` and `report` (every format).
    @Test func aDuplicateChargeRevealedByAWebhookIsCostedAndReported() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(1)
        let first = try await fixture.run(["--poll-only"])
        #expect(first.code == 0, "\(first.stderr)")
        // A second request the API ran for the same image (e.g. an attempt whose answer was lost).
        let queued = try await LoopbackHTTP.post(
            fixture.simulator.baseURL + "/queue",
            json: #"{"img_url": "https://img.example/p0.jpg", "webhookUrl": "https://webhook.invalid/x", "mode": "fast"}"#,
            headers: ["x-api-key": "sim-key"])
        let object = try JSONSerialization.jsonObject(with: Data(queued.body.utf8)) as? [String: Any]
        let duplicateID = try #require(object?["requestId"] as? String, "\(queued.body)")
        let serve = try await WebhookServeProcess.start(fixture.binary)
        let secret = try webhookSecret(fixture)
        let answer = try await LoopbackHTTP.post(
            serve.origin + "/hook?job=1&token=\(secret)&ub_job=1&ub_token=\(secret)",
            json: #"{"request_id": "\#(duplicateID)", "status": "success", "result": "https://cdn.example/dup.png"}"#)
        _ = await serve.stop()
        #expect(answer.status == 200, "\(answer.body)")

        let second = try await fixture.run(["--poll-only"])
        #expect(second.code == 0, "\(second.stderr)")
        #expect(second.stdout.contains("duplicate charges costed by this run: 1 request(s), 240 credits"), "\(second.stdout)")
        let status = try await fixture.binary.run(["status", "--format", "json"])
        #expect(status.stdout.contains(#""duplicate_cost": 240"#), "\(status.stdout)")
        #expect(status.stdout.contains(#""total_cost": 480"#), "\(status.stdout)")
        let json = try await fixture.binary.run(["report", "--format", "json"])
        #expect(json.stdout.contains(#""total_cost": 480"#) && json.stdout.contains(#""duplicate_cost": 240"#), "\(json.stdout)")
        let csv = try await fixture.binary.run(["report", "--format", "csv"])
        #expect(
            csv.stdout == "key,jobs,completed,failed,cost,completed_cost,failed_cost,duplicate_cost\nfast,1,1,0,480,240,0,240\n",
            "\(csv.stdout)")
        // Polled once: a third run asks nothing about it.
        let before = fixture.simulator.ledger().count("status", "200")
        let third = try await fixture.run(["--poll-only"])
        #expect(third.code == 0)
        #expect(fixture.simulator.ledger().count("status", "200") == before)
    }

    private func webhookSecret(_ fixture: EndToEndFixture) throws -> String {
        try DatabaseQueue(path: fixture.storePath).read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'webhook_secret'") ?? ""
        }
    }
}
