import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// CrashEndToEndTests on a PostgreSQL store: SIGKILL a run at random moments, run again;
/// nothing is lost, every job's cost is the one the API quoted, and the only duplicate
/// submissions are the bounded, flagged ones of submissions left in doubt.
///
/// Its cases are the suite's longest (six runs of 1,500 jobs each, five of them killed): with
/// every core busy and a build beside, one took longer than the usual 300 s bound while still
/// making progress, so its backstop is 600 s (a hang is still caught).
@Suite(.serialized, .bounded(seconds: 600)) struct PostgresCrashEndToEndTests {
    @Test(arguments: ["--poll-only", "--listen"])
    func killedRunsResumeWithoutLosingJobsAndWithBoundedFlaggedDuplicates(_ mode: String) async throws {
        let concurrency = 16
        let kills = 5
        try await PostgresEndToEnd.withFixture("SIGKILL and run again (\(mode))") { config in
            config.fastDuration = 0.5
            config.latencySeconds = 0.02
        } _: { fixture, url in
            try await fixture.importJobs(1500)
            let extra =
                (mode == "--listen"
                    ? ["--listen", "127.0.0.1:0", "--doubt-wait", "1", "--fallback-poll-interval", "2"] : ["--poll-only"])
                + ["--concurrency", "\(concurrency)"]
            let leftInDoubt = try await fixture.killRuns(extra, times: kills, milliseconds: 100...900) {
                try await PostgresEndToEnd.jobs(url).filter(\.submitting).count
            }
            let final = try await fixture.run(extra, timeout: 240)
            #expect(final.code == 0, "\(final.stdout)\n\(final.stderr.suffix(4000))")

            let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 1500)
            let ledger = fixture.simulator.ledger()
            let extraSubmissions = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
            #expect(extraSubmissions <= kills * concurrency, "duplicates are bounded by the submissions in flight at each kill")
            #expect(extraSubmissions <= leftInDoubt, "a job is submitted again only when a kill left it in doubt")
            for job in jobs where (ledger.submissionsByURL[job.url] ?? 0) > 1 {
                #expect(job.possibleDuplicate, "job \(job.id), which the API saw twice, is flagged")
            }
            let flagged = jobs.filter(\.possibleDuplicate).count
            print(
                "[postgres crash \(mode)] \(kills) SIGKILLs at \(concurrency) in flight: \(leftInDoubt) in doubt after the kills "
                    + "(summed), \(extraSubmissions) duplicate submission(s), \(flagged) job(s) flagged"
            )
        }
    }
}
