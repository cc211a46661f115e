import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// The built binary against the simulator: the run's promises, one scenario each.
@Suite(.serialized, .bounded) struct RunEndToEndTests {
    @Test func happyPathWithWebhooksCostsWhatTheAPIQuoted() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(30)
        try await fixture.importJobs(10, prefix: "pro", mode: "professional")
        let result = try await fixture.run(["--listen", "127.0.0.1:0", "--concurrency", "8"])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("every job finished"))
        let jobs = try fixture.jobs()
        #expect(jobs.allSatisfy { $0["state"] as String == "COMPLETED" && ($0["result_url"] as String?) != nil })
        let ledger = fixture.simulator.ledger()
        let quoted = jobs.reduce(0) { $0 + (ledger.costByRequestID[$1["request_id"] as String] ?? -1_000_000) }
        let stored = jobs.reduce(0) { $0 + ($1["cost"] as Int) }
        #expect(stored == quoted)
        #expect(stored == 30 * 240 + 10 * 480)
        #expect(ledger.maxInFlight <= 8)
        #expect(ledger.submissionsByURL.values.allSatisfy { $0 == 1 })
    }

    @Test func faultsStillEndEveryJobWithTheLedgersCost() async throws {
        let fixture = try await EndToEndFixture { config in
            config.serverErrorRate = 0.05
            config.dropAfterAcceptRate = 0.02
            config.rateLimitPerSecond = 150
            config.retryAfter = "1"
            config.seed = 7
        }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(150)
        let result = try await fixture.run(["--poll-only", "--concurrency", "16"], timeout: 180)
        #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)")
        let jobs = try fixture.jobs()
        #expect(jobs.count == 150)
        #expect(jobs.allSatisfy { $0["state"] as String == "COMPLETED" })
        let ledger = fixture.simulator.ledger()
        let quoted = jobs.reduce(0) { $0 + (ledger.costByRequestID[$1["request_id"] as String] ?? -1_000_000) }
        #expect(jobs.reduce(0) { $0 + ($1["cost"] as Int) } == quoted)
        // Every URL the API saw twice is flagged in the store as a possible duplicate charge.
        for job in jobs where (ledger.submissionsByURL[job["url"] as String] ?? 0) > 1 {
            #expect(job["possible_duplicate"] as Bool, "job \(job["id"] as Int64) was submitted twice but not flagged")
        }
        #expect(ledger.maxInFlight <= 16)
        #expect(
            ledger.count("queue", "429") + ledger.count("status", "429") + ledger.count("queue", "500")
                + ledger.count("queue", "502") + ledger.count("queue", "503") > 0, "the faults were exercised")
    }

    @Test func aWrongKeyStopsAtOnceWithExit3AndFailsNothing() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(40)
        let result = try await fixture.binary.run(
            fixture.runArguments(["--poll-only", "--concurrency", "4"]), environment: ["ENHANCOR_API_KEY": "wrong"])
        #expect(result.code == 3, "\(result.stderr)")
        let jobs = try fixture.jobs()
        #expect(jobs.allSatisfy { $0["state"] as String == "PENDING" && ($0["request_id"] as String?) == nil })
        #expect(jobs.allSatisfy { !($0["submitting"] as Bool) })
        let ledger = fixture.simulator.ledger()
        #expect(ledger.totalRequests <= 4, "no request after the first 401 beyond those already in flight")
        #expect(!result.stderr.contains("wrong"), "the key is never printed")
    }

    @Test func someFailedJobsMeanExit1AndTheirQuotedCostIsShownApart() async throws {
        let fixture = try await EndToEndFixture { $0.failURLSubstring = "broken" }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(6)
        try await fixture.importJobs(2, prefix: "broken")
        let result = try await fixture.run(["--poll-only"])
        #expect(result.code == 1, "\(result.stderr)")
        let report = try await fixture.binary.run(["report", "--by", "state", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        #expect(json?["completed_cost"] as? Int == 6 * 240)
        #expect(json?["failed_cost"] as? Int == 2 * 240)
        let failed = try fixture.jobs().filter { $0["state"] as String == "FAILED" }
        #expect(failed.count == 2 && failed.allSatisfy { ($0["error"] as String?)?.isEmpty == false })
        let again = try await fixture.run(["--poll-only"])
        #expect(again.code == 0, "an old FAILED job does not make the next run exit 1")
    }

    @Test func fiveIdenticalRefusalsStopTheRunAndLeaveThoseJobsUnsubmitted() async throws {
        let fixture = try await EndToEndFixture { $0.refuseURLSubstring = "nocredit" }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3, prefix: "ok")
        try await fixture.importJobs(7, prefix: "nocredit")
        try await fixture.importJobs(3, prefix: "later")
        let result = try await fixture.run(["--poll-only", "--concurrency", "1"])
        #expect(result.code == 75, "\(result.stderr)")
        let jobs = try fixture.jobs()
        let refused = jobs.filter { ($0["url"] as String).contains("nocredit") }
        #expect(refused.allSatisfy { $0["state"] as String == "PENDING" && ($0["request_id"] as String?) == nil })
        #expect(refused.prefix(5).allSatisfy { ($0["error"] as String?)?.contains("insufficient credits") == true })
        #expect(jobs.filter { ($0["url"] as String).contains("/ok") }.allSatisfy { $0["state"] as String == "COMPLETED" })
        #expect(jobs.filter { ($0["url"] as String).contains("later") }.allSatisfy { ($0["request_id"] as String?) == nil })
        #expect(fixture.simulator.ledger().count("queue", "402") == 5)
    }

    @Test func aFewRefusalsFailOnlyTheirJobs() async throws {
        let fixture = try await EndToEndFixture { $0.refuseURLSubstring = "tooLarge" }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(4, prefix: "ok")
        try await fixture.importJobs(2, prefix: "tooLarge")
        try await fixture.importJobs(4, prefix: "fine")
        let result = try await fixture.run(["--poll-only", "--concurrency", "1"])
        #expect(result.code == 1, "\(result.stderr)")
        let jobs = try fixture.jobs()
        #expect(
            jobs.filter { ($0["url"] as String).contains("tooLarge") }.allSatisfy {
                $0["state"] as String == "FAILED" && ($0["error"] as String?) == "insufficient credits"
            })
        #expect(jobs.filter { !($0["url"] as String).contains("tooLarge") }.allSatisfy { $0["state"] as String == "COMPLETED" })
    }

    @Test func sigtermStopsWith75AndLeavesNoSubmissionInDoubtThenResumes() async throws {
        let fixture = try await EndToEndFixture { $0.fastDuration = 3 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(60)
        let running = try fixture.startRun(["--poll-only", "--concurrency", "4"])
        try await waitUntil("8 jobs with a request id") {
            (try? fixture.jobs().filter { ($0["request_id"] as String?) != nil }.count) ?? 0 >= 8
        }
        running.signal(SIGTERM)
        let result = await running.wait()
        #expect(result.code == 75, "\(result.stderr)")
        #expect(result.stdout.contains("run finished"), "the summary is printed")
        #expect(try fixture.jobs().allSatisfy { !($0["submitting"] as Bool) }, "every answered submission was recorded")
        let resumed = try await fixture.run(["--poll-only", "--concurrency", "8"])
        #expect(resumed.code == 0, "\(resumed.stderr)")
        #expect(fixture.simulator.ledger().submissionsByURL.values.allSatisfy { $0 == 1 })
    }

    @Test func aSecondRunOnTheSameStoreRefusesAndNothingIsSubmittedTwice() async throws {
        // Jobs take 15 s, so the first run is surely still going when the second starts,
        // however slow the machine; "run started" is printed once the lock is held.
        let fixture = try await EndToEndFixture { $0.fastDuration = 15 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(20)
        let first = try fixture.startRun(["--poll-only"])
        try await waitUntil("the first run to start") { first.result().stderr.contains("run started") }
        let second = try await fixture.run(["--poll-only"])
        #expect(second.code == 75)
        #expect(second.stderr.contains("already running"))
        #expect(await first.wait().code == 0)
        #expect(fixture.simulator.ledger().submissionsByURL.values.allSatisfy { $0 == 1 })
    }

    @Test func maxWaitStopsWith75AndJobTimeoutFailsStuckJobs() async throws {
        // Jobs that take far longer than any machine needs for the two runs below.
        let fixture = try await EndToEndFixture { $0.fastDuration = 3600 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3)
        let waited = try await fixture.run(["--poll-only", "--max-wait", "1.5"])
        #expect(waited.code == 75)
        #expect(waited.stdout.contains("--max-wait"))
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let timedOut = try await fixture.run(["--poll-only", "--job-timeout", "1s"])
        #expect(timedOut.code == 1, "\(timedOut.stderr)")
        #expect(
            try fixture.jobs().allSatisfy {
                $0["state"] as String == "FAILED" && ($0["error"] as String?)?.contains("--job-timeout") == true
            })
    }

    /// The start line is the first thing a caller can see: a SIGTERM sent the moment it appears
    /// (as nightly.sh's trap or a supervisor may) must find the graceful stop installed, never
    /// the default action (143). Tried several times, since it is a race by nature.
    @Test func aSignalRightAfterTheStartLineStopsTheRunGracefully() async throws {
        let fixture = try await EndToEndFixture { $0.fastDuration = 3600 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(5)
        for attempt in 1...5 {
            let running = try fixture.startRun(["--poll-only"])
            try await waitUntil("the start line of attempt \(attempt)", every: .milliseconds(1)) {
                running.result().stderr.contains("run started") || !running.process.isRunning
            }
            running.signal(attempt.isMultiple(of: 2) ? SIGINT : SIGTERM)
            let result = await running.wait()
            #expect(result.code == 75, "attempt \(attempt): \(result.stderr)")
        }
    }
}
