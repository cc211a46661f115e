import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// SIGKILL at random moments, then run again: nothing is lost, every job ends exactly once with
/// the cost the API quoted, and the only duplicate submissions are the bounded, flagged ones.
@Suite(.serialized, .bounded) struct CrashEndToEndTests {
    @Test(arguments: ["--poll-only", "--listen"])
    func killedRunsResumeWithoutLosingJobsAndWithBoundedFlaggedDuplicates(_ mode: String) async throws {
        let concurrency = 16
        let kills = 6
        let fixture = try await crashFixture()
        defer { Task { await fixture.shutdown() } }
        // A killed listener takes its webhooks with it: its doubts wait only briefly (--doubt-wait),
        // and a job whose webhook it took is not left to the 5 min fallback poll once webhooks
        // finish other jobs (--fallback-poll-interval).
        let extra =
            (mode == "--listen"
                ? ["--listen", "127.0.0.1:0", "--doubt-wait", "1", "--fallback-poll-interval", "2"] : ["--poll-only"]) + [
                "--concurrency", "\(concurrency)",
            ]
        _ = try await fixture.killRuns(extra, times: kills, milliseconds: 100...600) { try inDoubt(fixture) }
        let final = try await fixture.run(extra, timeout: 180)
        #expect(final.code == 0, "\(final.stdout)\n\(final.stderr.suffix(4000))")

        let jobs = try fixture.jobs()
        let ledger = fixture.simulator.ledger()
        #expect(jobs.count == 1500)
        #expect(jobs.allSatisfy { $0["state"] as String == "COMPLETED" }, "every job ended")
        let quoted = jobs.reduce(0) { $0 + (ledger.costByRequestID[$1["request_id"] as String] ?? -1_000_000) }
        #expect(
            jobs.reduce(0) { $0 + ($1["cost"] as Int) } == quoted, "each job's cost is the one the API quoted for its request")
        #expect(Set(ledger.submissionsByURL.keys) == Set(jobs.map { $0["url"] as String }), "every job was submitted")

        let extraSubmissions = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
        #expect(extraSubmissions <= kills * concurrency, "duplicates are bounded by the submissions in flight at each kill")
        for job in jobs where (ledger.submissionsByURL[job["url"] as String] ?? 0) > 1 {
            #expect(job["possible_duplicate"] as Bool, "a job the API saw twice is flagged")
        }
        let flagged = jobs.filter { $0["possible_duplicate"] as Bool }.count
        print(
            "[crash \(mode)] \(kills) SIGKILLs at \(concurrency) in flight: \(extraSubmissions) duplicate submission(s), \(flagged) job(s) flagged"
        )
    }

    /// Issue 14, "Beyond": a `webhook serve` on the same store stays up while runs are killed.
    /// The submissions each kill leaves in doubt were sent with a webhook URL of ours, so they
    /// wait `--doubt-wait` for a webhook naming their job before any resubmission: the API's
    /// own webhook settles nearly every one, and duplicate charges per kill fall below 0.25.
    @Test func webhooksSettleTheDoubtsAKillLeaves() async throws {
        let concurrency = 16
        let kills = 8
        let fixture = try await crashFixture()
        defer { Task { await fixture.shutdown() } }
        let serve = try await WebhookServeProcess.start(fixture.binary)
        let extra = [
            "--webhook-url", serve.origin + "/hook", "--doubt-wait", "10", "--fallback-poll-interval", "2",
            "--concurrency", "\(concurrency)",
        ]
        let leftInDoubt = try await fixture.killRuns(extra, times: kills, milliseconds: 300...900) { try inDoubt(fixture) }
        // The figure below means something only if the kills left submissions in doubt.
        #expect(leftInDoubt > 0, "no kill left a submission in doubt: the test measured nothing")
        let final = try await fixture.run(extra, timeout: 240)
        let served = await serve.stop()
        #expect(final.code == 0, "\(final.stdout)\n\(final.stderr)\n\(served.stderr)")

        let jobs = try fixture.jobs()
        let ledger = fixture.simulator.ledger()
        #expect(jobs.allSatisfy { $0["state"] as String == "COMPLETED" }, "every job ended")
        let quoted = jobs.reduce(0) { $0 + (ledger.costByRequestID[$1["request_id"] as String] ?? -1_000_000) }
        #expect(
            jobs.reduce(0) { $0 + ($1["cost"] as Int) } == quoted, "each job's cost is the one the API quoted for its request")
        #expect(Set(ledger.submissionsByURL.keys) == Set(jobs.map { $0["url"] as String }), "every job was submitted")
        let extraSubmissions = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
        let perKill = Double(extraSubmissions) / Double(kills)
        print(
            "[crash --webhook-url with webhook serve, --doubt-wait 10] \(kills) SIGKILLs at \(concurrency) in flight: "
                + "\(leftInDoubt) in doubt after the kills (summed), \(extraSubmissions) duplicate submission(s), \(perKill) per kill"
        )
        #expect(perKill < 0.25, "\(extraSubmissions) duplicate submissions over \(kills) kills")
    }
}

extension CrashEndToEndTests {
    /// 1,500 fast jobs against a simulator with 20 ms of latency: enough in flight at any
    /// moment for a kill to leave submissions in doubt.
    private func crashFixture() async throws -> EndToEndFixture {
        let fixture = try await EndToEndFixture { config in
            config.fastDuration = 0.5
            config.latencySeconds = 0.02
        }
        try await fixture.importJobs(1500)
        return fixture
    }

    /// The SQLite store's submissions in doubt (`submitting`), for `killRuns`.
    private func inDoubt(_ fixture: EndToEndFixture) throws -> Int {
        try fixture.jobs().filter { $0["submitting"] as Bool }.count
    }
}
