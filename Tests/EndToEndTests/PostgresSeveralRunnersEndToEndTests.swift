import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// Several runners on one PostgreSQL store (issue 13; cli.md, "Several runners on one store"),
/// as separate processes against one simulator: they share the work without submitting a job
/// twice, each exits when the whole scope is final, and the work of a runner killed with
/// SIGKILL is taken over once its lease lapses, with duplicates only for submissions it left
/// in doubt, all flagged. Orderings and counts only: the leases are short so that the suite
/// stays quick, and nothing here depends on how fast the machine is.
@Suite(.serialized, .bounded) struct PostgresSeveralRunnersEndToEndTests {
    static let concurrency = 8

    @Test func threeRunnersShareTwoThousandJobsAndSubmitEachOnce() async throws {
        try await PostgresEndToEnd.withFixture("three runners on one store") { config in
            config.fastDuration = 0.5
            config.latencySeconds = 0.01
        } _: { fixture, url in
            try await fixture.importJobs(2000)
            let runs = try (0..<3).map { _ in
                try fixture.startRun(["--poll-only", "--concurrency", "\(Self.concurrency)", "--lease", "5"])
            }
            var submittedByRun: [Int] = []
            for running in runs {
                let ended = await running.wait(timeout: 600)
                let diagnosis = ended.code == 0 ? "" : try await Self.unfinishedJobs(url)
                #expect(
                    ended.code == 0,
                    "every run exits 0 once the whole scope is final: \(ended.stdout)\n\(ended.stderr.suffix(3000))\n\(diagnosis)"
                )
                #expect(!ended.stderr.contains("already running"))
                submittedByRun.append(Self.submissions(in: ended.stdout))
            }
            try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 2000)
            let ledger = fixture.simulator.ledger()
            let twice = ledger.submissionsByURL.filter { $0.value > 1 }
            #expect(twice.isEmpty, "no URL submitted twice: \(twice.count), e.g. \(twice.prefix(2))")
            #expect(submittedByRun.reduce(0, +) == 2000, "the runs' own submissions add up: \(submittedByRun)")
            #expect(submittedByRun.filter { $0 > 0 }.count >= 2, "the work was shared: \(submittedByRun)")
            print("[several runners] 2,000 jobs, three runners at \(Self.concurrency) each: submissions \(submittedByRun)")
        }
    }

    /// Two runners work the store throughout; a third is started and killed with SIGKILL at a
    /// random moment, three times. The two take its work over and finish the night.
    @Test func aKilledRunnersWorkIsTakenOverByTheOthers() async throws {
        let kills = 3
        try await PostgresEndToEnd.withFixture("SIGKILL one of three runners") { config in
            config.fastDuration = 2
            config.latencySeconds = 0.02
        } _: { fixture, url in
            try await fixture.importJobs(1500)
            let arguments = ["--poll-only", "--concurrency", "\(Self.concurrency)", "--lease", "3"]
            let steady = try (0..<2).map { _ in try fixture.startRun(arguments) }
            var inDoubtAtKills = 0
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<kills {
                let victim = try fixture.startRun(arguments)
                try await waitUntil("the third run to start") {
                    !victim.process.isRunning || victim.result().stderr.contains("run started")
                }
                try await Task.sleep(for: .milliseconds(UInt64.random(in: 200...1500, using: &generator)))
                victim.signal(SIGKILL)
                let ended = await victim.wait()
                if ended.code != 128 + SIGKILL {
                    // The others finished the scope before the kill: nothing left to take over.
                    #expect(ended.code == 0, "\(ended.stderr.suffix(2000))")
                    continue
                }
                inDoubtAtKills += try await PostgresEndToEnd.jobs(url).filter(\.submitting).count
            }
            for running in steady {
                let ended = await running.wait(timeout: 600)
                let diagnosis = ended.code == 0 ? "" : try await Self.unfinishedJobs(url)
                #expect(
                    ended.code == 0,
                    "the live runners finish the killed one's work: \(ended.stdout)\n\(ended.stderr.suffix(3000))\n\(diagnosis)")
            }
            let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 1500)
            let ledger = fixture.simulator.ledger()
            let extra = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
            #expect(extra <= kills * Self.concurrency, "duplicates are bounded by the killed runner's requests in flight")
            #expect(extra <= inDoubtAtKills, "a job is submitted again only when a kill left it in doubt")
            for job in jobs where (ledger.submissionsByURL[job.url] ?? 0) > 1 {
                #expect(job.possibleDuplicate, "job \(job.id), which the API saw twice, is flagged")
            }
            print(
                "[several runners] \(kills) SIGKILLs of one of three runners: \(inDoubtAtKills) in doubt at the kills "
                    + "(summed), \(extra) duplicate submission(s), \(jobs.filter(\.possibleDuplicate).count) job(s) flagged")
        }
    }

    /// `limits --concurrency 8` and three runners each at `--concurrency 8`: the simulator
    /// never sees more than 8 requests at once, also while one of them is killed and its part
    /// goes to the others.
    @Test func threeRunnersKeepTheStoresConcurrencyTogether() async throws {
        try await PostgresEndToEnd.withFixture("store-wide concurrency across runners") { config in
            config.fastDuration = 1
            config.latencySeconds = 0.05
        } _: { fixture, url in
            try await fixture.importJobs(600)
            let limits = try await fixture.binary.run(["limits", "--concurrency", "8"])
            #expect(limits.code == 0, "\(limits.stderr)")
            let arguments = ["--poll-only", "--concurrency", "8", "--lease", "3"]
            let runs = try (0..<3).map { _ in try fixture.startRun(arguments) }
            try await waitUntil("the runs to submit some jobs", timeout: 120) {
                try await PostgresEndToEnd.jobs(url).filter { $0.requestID != nil }.count >= 100
            }
            runs[2].signal(SIGKILL)
            _ = await runs[2].wait()
            for running in runs.prefix(2) {
                let ended = await running.wait(timeout: 600)
                #expect(ended.code == 0, "\(ended.stderr.suffix(3000))")
            }
            try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 600)
            let most = fixture.simulator.ledger().maxInFlight
            #expect(most <= 8, "the store's concurrency holds across the runners: at most \(most) in flight")
            print("[several runners] limits --concurrency 8, three runners at 8 each, one killed: at most \(most) in flight")
        }
    }

    /// `status` lists the live runners (JSON `runners`) while they work.
    @Test func statusListsTheLiveRunners() async throws {
        try await PostgresEndToEnd.withFixture("status lists runners") { config in
            config.fastDuration = 30
        } _: { fixture, _ in
            try await fixture.importJobs(40)
            let runs = try (0..<2).map { _ in try fixture.startRun(["--poll-only", "--concurrency", "2"]) }
            var listed: [[String: Any]] = []
            try await waitUntil("both runners listed by status") {
                let status = try? await fixture.binary.run(["status", "--format", "json"])
                let json = status.flatMap { try? JSONSerialization.jsonObject(with: Data($0.stdout.utf8)) as? [String: Any] }
                listed = json?["runners"] as? [[String: Any]] ?? []
                return listed.count == 2
            }
            let pids = Set(listed.compactMap { $0["pid"] as? Int })
            #expect(pids == Set(runs.map { Int($0.process.processIdentifier) }), "\(listed)")
            #expect(listed.allSatisfy { ($0["host"] as? String)?.isEmpty == false && $0["last_seen"] is String })
            for running in runs { running.signal(SIGTERM) }
            for running in runs { _ = await running.wait() }
            let after = try await fixture.binary.run(["status", "--format", "json"])
            let json = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any]
            #expect((json?["runners"] as? [Any])?.isEmpty == true, "runs that ended are not listed: \(after.stdout)")
        }
    }

    /// The jobs not final, with who holds them, and the runs: what a run that ended too soon
    /// left behind, read at once (the other runners may finish them right after).
    static func unfinishedJobs(_ url: String) async throws -> String {
        let jobs = try await TestPostgres.rows(
            url,
            """
            SELECT j.id::text, j.state, j.submitting::text, coalesce(j.submitting_run, '-') AS holder,
                   j.attempts::text, coalesce(j.request_id, '-') AS request, coalesce(j.error, '-') AS error
            FROM upscale_batch.jobs j WHERE state NOT IN ('COMPLETED', 'FAILED') ORDER BY id LIMIT 20
            """)
        let runs = try await TestPostgres.rows(
            url, "SELECT id, pid::text, coalesce(ended_at, '-') AS ended FROM upscale_batch.runs ORDER BY started_at")
        return "unfinished jobs: \(jobs)\nruns: \(runs)"
    }

    /// The run's own submissions from its summary ("submissions: N ..."), -1 when absent.
    static func submissions(in summary: String) -> Int {
        for line in summary.split(separator: "\n") {
            let words = line.split(separator: " ")
            if let index = words.firstIndex(where: { $0.hasPrefix("submission") }), index > 0, let n = Int(words[index - 1]) {
                return n
            }
        }
        return -1
    }
}
