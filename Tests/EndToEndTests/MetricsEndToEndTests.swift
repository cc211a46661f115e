import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `GET /metrics` and `run --metrics-file`, read by Prometheus' own Python parser
/// (prometheus_client, installed by .ci/run) and checked against the store and the simulator.
@Suite(.serialized, .bounded) struct MetricsEndToEndTests {
    static let parserAvailable = PythonHelper.hasModule("prometheus_client")

    @Test(.enabled(if: parserAvailable, "needs Python's prometheus_client: pip install prometheus-client"))
    func aRealRunsMetricsParseAndMatchTheStoreAndTheLedger() async throws {
        let fixture = try await EndToEndFixture { config in
            config.fastDuration = 3
            config.professionalDuration = 4
            config.failURLSubstring = "fail"
        }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(20)
        try await fixture.importJobs(5, prefix: "pro", mode: "professional")
        try await fixture.importCSV("url,mode\nhttps://img.example/fail-1.jpg,fast\n")
        let metricsFile = fixture.directory + "/textfile/upscale-batch.prom"
        try FileManager.default.createDirectory(
            atPath: fixture.directory + "/textfile", withIntermediateDirectories: true)
        let started = Date().timeIntervalSince1970
        // A failed job's webhook leaves it to the poller, which falls back to slow polls once
        // webhooks are seen working (5 min by default): keep that fallback short here.
        let run = try fixture.startRun([
            "--listen", "127.0.0.1:0", "--metrics-file", metricsFile, "--fallback-poll-interval", "1",
        ])

        // While the run goes on: its listener answers GET /metrics.
        let port = try await eventuallyValue("the run's start line with its port") { () -> Int? in
            let log = (try? String(contentsOfFile: run.errPath, encoding: .utf8)) ?? ""
            return log.firstMatch(of: /receiving webhooks on port (\d+)/).flatMap { Int($0.1) }
        }
        let scraped = try await scrape("http://127.0.0.1:\(port)/metrics")
        let during = try await parse(scraped, in: fixture.directory)
        #expect(during.value("upscale_batch_runners_alive") == 1, "this run holds the store: \(scraped)")
        #expect(during.sum("upscale_batch_jobs") == 26, "every job of the store, whatever its state")
        #expect(FileManager.default.fileExists(atPath: metricsFile), "the metrics file is written from the start")

        let result = await run.wait(timeout: 180)
        #expect(result.code == 1, "one job fails by design: \(result.stderr)")

        let final = try await parse(String(contentsOfFile: metricsFile, encoding: .utf8), in: fixture.directory)
        let jobs = try fixture.jobs()
        for state in ["PENDING", "IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED"] {
            let stored = jobs.filter { $0["state"] as String == state }.count
            #expect(final.value("upscale_batch_jobs", ["state": state]) == Double(stored), "\(state)")
        }
        let ledger = try await eventuallyValue("the ledger to record every webhook answer") { () -> SimulatorLedger? in
            let ledger = fixture.simulator.ledger()
            let accepted = Int(final.value("upscale_batch_webhooks_received_total", ["outcome": "accepted"]) ?? -1)
            return ledger.webhooksSent == accepted ? ledger : nil
        }
        for (endpoint, statuses) in ledger.requests where endpoint != "other" {
            for (status, count) in statuses {
                #expect(
                    final.value("upscale_batch_api_requests_total", ["endpoint": endpoint, "status": status]) == Double(count),
                    "\(endpoint) \(status): the client counted what the simulator saw")
            }
        }
        let queueRequests = ledger.requests["queue"]?.values.reduce(0, +) ?? -1
        #expect(final.sum("upscale_batch_api_requests_total", ["endpoint": "queue"]) == Double(queueRequests))
        #expect(final.value("upscale_batch_submissions_total") == Double(queueRequests))
        #expect(final.value("upscale_batch_possible_duplicates_total") == 0)
        #expect(
            final.value("upscale_batch_api_request_duration_seconds_count", ["endpoint": "status"])
                == Double(ledger.requests["status"]?.values.reduce(0, +) ?? -1))

        let completedCost = jobs.filter { $0["state"] as String == "COMPLETED" }.reduce(0) { $0 + ($1["cost"] as Int? ?? 0) }
        let failedCost = jobs.filter { $0["state"] as String == "FAILED" }.reduce(0) { $0 + ($1["cost"] as Int? ?? 0) }
        let quoted = jobs.reduce(0) { $0 + (ledger.costByRequestID[$1["request_id"] as String] ?? -1_000_000) }
        #expect(final.sum("upscale_batch_credits_spent_total") == Double(completedCost))
        #expect(final.sum("upscale_batch_credits_quoted_total") == Double(completedCost + failedCost))
        #expect(completedCost + failedCost == quoted, "the store's costs are the ledger's")
        #expect(final.value("upscale_batch_credits_spent_total", ["mode": "professional"]) == Double(5 * 480))

        #expect(final.value("upscale_batch_runners_alive") == 0, "the run has ended")
        #expect(final.value("upscale_batch_oldest_unfinished_job_age_seconds") == 0, "every job is final")
        let lastSuccess = final.value("upscale_batch_last_success_timestamp_seconds") ?? 0
        #expect(lastSuccess >= started.rounded(.down) && lastSuccess <= Date().timeIntervalSince1970, "exit 1 still counts")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory + "/textfile")
        #expect(leftovers == ["upscale-batch.prom"], "written by rename, nothing left beside it: \(leftovers)")
    }

    @Test(.enabled(if: parserAvailable, "needs Python's prometheus_client: pip install prometheus-client"))
    func webhookServeAnswersMetricsAndCountsWebhooksByOutcome() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3)
        let server = try fixture.binary.start(["webhook", "serve", "--listen", "127.0.0.1:0"])
        defer { server.signal(SIGTERM) }
        let base = try await eventuallyValue("webhook serve's listening line") { () -> String? in
            let out = (try? String(contentsOfFile: server.outPath, encoding: .utf8)) ?? ""
            return out.firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)/).map { String($0.1) }
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        for token in ["wrong", "also-wrong"] {
            var request = URLRequest(url: URL(string: base + "/hooks?ub_job=1&ub_token=\(token)")!)
            request.httpMethod = "POST"
            request.httpBody = Data(#"{"request_id": "r", "status": "success", "result": "https://x/y.png"}"#.utf8)
            let (_, response) = try await session.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 401)
        }
        let parsed = try await parse(try await scrape(base + "/metrics"), in: fixture.directory)
        #expect(parsed.value("upscale_batch_webhooks_received_total", ["outcome": "unauthorized"]) == 2)
        #expect(parsed.value("upscale_batch_jobs", ["state": "PENDING"]) == 3)
        #expect(parsed.value("upscale_batch_runners_alive") == 0)
        #expect(parsed.value("upscale_batch_last_success_timestamp_seconds") == 0, "no run has ended yet")
        #expect(parsed.sum("upscale_batch_api_requests_total") == 0, "webhook serve makes no API request")
    }

    // MARK: helpers

    private func scrape(_ url: String) async throws -> String {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(from: URL(string: url)!)
        let http = response as? HTTPURLResponse
        #expect(http?.statusCode == 200)
        #expect(http?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return String(decoding: data, as: UTF8.self)
    }

    /// Samples as prometheus_client's parser reads them.
    struct Samples {
        var samples: [(name: String, labels: [String: String], value: Double)]

        func matching(_ name: String, _ labels: [String: String]) -> [Double] {
            samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
                .map(\.value)
        }
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            let found = matching(name, labels)
            return found.count == 1 ? found[0] : nil
        }
        func sum(_ name: String, _ labels: [String: String] = [:]) -> Double { matching(name, labels).reduce(0, +) }
    }

    private func parse(_ text: String, in directory: String) async throws -> Samples {
        let input = directory + "/metrics-\(UUID().uuidString.prefix(6)).txt"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let output = try await PythonHelper.run(
            """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = []
            for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
                assert family.name.startswith("upscale_batch_"), family.name
                for sample in family.samples:
                    samples.append({"name": sample.name, "labels": sample.labels, "value": sample.value})
            print(json.dumps(samples))
            """, [input], in: directory)
        let objects = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return Samples(
            samples: objects.map { object in
                (
                    object["name"] as? String ?? "", object["labels"] as? [String: String] ?? [:],
                    object["value"] as? Double ?? .nan
                )
            })
    }
}
