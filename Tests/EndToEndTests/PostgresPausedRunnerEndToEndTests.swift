import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// A runner paused with SIGSTOP past its lease (issue 13; cli.md, "Several runners on one
/// store"): the others take its work over once the database says its lease lapsed; resumed
/// with SIGCONT it starts no request on a job it lost, the API sees at most the requests it
/// held at the pause a second time (all flagged), and the store's concurrency holds but for
/// those. Orderings and counts only, from the store and the runners' own `--verbose` logs.
@Suite(.serialized, .bounded(seconds: 600)) struct PostgresPausedRunnerEndToEndTests {
    @Test func aRunnerPausedPastItsLeaseTouchesNothingItLostWhenItResumes() async throws {
        try await PostgresEndToEnd.withFixture("SIGSTOP a runner past its lease") { config in
            config.fastDuration = 1
            config.latencySeconds = 0.05
        } _: { fixture, url in
            try await fixture.importJobs(900)
            let limits = try await fixture.binary.run(["limits", "--concurrency", "8"])
            #expect(limits.code == 0, "\(limits.stderr)")
            let arguments = ["--poll-only", "--concurrency", "8", "--lease", "3", "--verbose"]
            let runs = try (0..<3).map { _ in try fixture.startRun(arguments) }
            let paused = runs[2]
            var pausedRun = ""
            var held = Held(jobs: [], requests: 0, inDoubt: [])
            for _ in 0..<20 where held.requests == 0 {
                try await waitUntil("the third runner to hold requests", timeout: 180) {
                    pausedRun = try await Self.runID(of: paused, url) ?? ""
                    if pausedRun.isEmpty { return false }
                    return try await Self.held(by: pausedRun, url).requests > 0
                }
                paused.signal(SIGSTOP)
                held = try await Self.held(by: pausedRun, url)
                // It held nothing at the very moment it stopped: a pause far shorter than its
                // lease, and another try.
                if held.requests == 0 { paused.signal(SIGCONT) }
            }
            try #require(held.requests > 0, "the runner was paused while it held requests")
            try await waitUntil("the database to say the paused runner's lease lapsed", timeout: 120) {
                try await !Self.isLive(pausedRun, url)
            }
            try await waitUntil("the others to finish what it held", timeout: 300) {
                let final = try await Self.finalJobs(url)
                return held.jobs.isSubset(of: final)
            }
            let resumedAt = Date()
            paused.signal(SIGCONT)
            var logs: [String] = []
            for running in runs {
                let ended = await running.wait(timeout: 600)
                #expect(
                    ended.code == 0, "every run exits 0 once the scope is final: \(ended.stdout)\n\(ended.stderr.suffix(3000))")
                logs.append(ended.stderr)
            }
            let touched = RequestStart.parse(logs[2]).filter {
                $0.startedAt >= resumedAt && $0.call != "poll-duplicate" && held.jobs.contains($0.jobID)
            }
            #expect(touched.isEmpty, "after SIGCONT it started requests on jobs it lost: \(touched.prefix(5))")
            #expect(logs[2].contains("lease is renewed after a lapse"), "it saw its lease lapse: \(logs[2].suffix(2000))")

            let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 900)
            let ledger = fixture.simulator.ledger()
            let extra = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
            // On a busy machine any runner may also lose a submission's answer, or miss its
            // short lease and have its doubts taken over, and so send a job again (flagged):
            // those are the machine's doing, not the pause's, and each runner logs them.
            let extras = ExtraSubmissions(
                logs: logs, paused: 2, resumedAt: resumedAt, doubtsAtPause: held.inDoubt,
                submissions: Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, ledger.submissionsByURL[$0.url] ?? 0) }))
            #expect(
                extras.unexplained.isEmpty,
                "each of the \(extra) extra submission(s) was held in doubt at the pause (\(extras.pause) of \(held.inDoubt.count)), lost its answer (\(extras.lostAnswer)) or was left in doubt by a lapse of its sender's lease (\(extras.lapse)); unexplained: jobs \(extras.unexplained.prefix(10))"
            )
            for job in jobs where (ledger.submissionsByURL[job.url] ?? 0) > 1 {
                #expect(job.possibleDuplicate, "job \(job.id), which the API saw twice, is flagged")
            }
            #expect(
                ledger.maxInFlight <= 8 + held.requests,
                "the store's concurrency holds but for the \(held.requests) request(s) held at the pause: \(ledger.maxInFlight)")
            print(
                "[several runners] SIGSTOP past the lease: \(held.jobs.count) job(s) held, \(held.requests) request(s) of them "
                    + "(\(held.inDoubt.count) in doubt); \(extra) duplicate submission(s) (\(extras.pause) after the pause, "
                    + "\(extras.lostAnswer) after a lost answer, \(extras.lapse) after another lapse); at most \(ledger.maxInFlight) in flight"
            )
        }
    }

    /// What a run holds in the store: every job it reserved or claimed, and among them the
    /// requests it may have in flight (submissions in doubt and claimed polls).
    struct Held {
        var jobs: Set<Int64>
        var requests: Int
        var inDoubt: Set<Int64>
    }

    static func held(by runID: String, _ url: String) async throws -> Held {
        let rows = try await TestPostgres.rows(
            url,
            """
            SELECT id::text, submitting::text AS doubt, (polling AND polling_run = '\(runID)')::text AS polling
            FROM upscale_batch.jobs
            WHERE state NOT IN ('COMPLETED', 'FAILED')
              AND (submitting_run = '\(runID)' OR (polling AND polling_run = '\(runID)'))
            """)
        let id = { (row: [String: String?]) in (row["id"] ?? nil).flatMap { Int64($0) } }
        let inDoubt = Set(rows.filter { $0["doubt"] == "true" && $0["polling"] != "true" }.compactMap(id))
        let polls = rows.filter { $0["polling"] == "true" }.count
        return Held(jobs: Set(rows.compactMap(id)), requests: inDoubt.count + polls, inDoubt: inDoubt)
    }

    static func runID(of running: RunningBinary, _ url: String) async throws -> String? {
        let rows = try await TestPostgres.rows(
            url, "SELECT id FROM upscale_batch.runs WHERE pid = \(running.process.processIdentifier) AND ended_at IS NULL")
        return rows.first?["id"] ?? nil
    }

    /// By the database's clock, as the runners decide it.
    static func isLive(_ runID: String, _ url: String) async throws -> Bool {
        let rows = try await TestPostgres.rows(
            url,
            """
            SELECT (ended_at IS NULL AND greatest(last_seen, pg_postmaster_start_time())
                    + lease_ms * interval '1 millisecond' > clock_timestamp())::text AS live
            FROM upscale_batch.runs WHERE id = '\(runID)'
            """)
        return rows.first?["live"] == "true"
    }

    static func finalJobs(_ url: String) async throws -> Set<Int64> {
        let rows = try await TestPostgres.rows(
            url, "SELECT id::text FROM upscale_batch.jobs WHERE state IN ('COMPLETED', 'FAILED')")
        return Set(rows.compactMap { ($0["id"] ?? nil).flatMap { Int64($0) } })
    }
}
