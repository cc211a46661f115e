import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// `run --max-spend` and `run --rate` against the simulator's ledger.
@Suite(.serialized, .bounded) struct SpendAndPaceEndToEndTests {
    @Test func maxSpendWithoutHistoryProbesOneJobThenStopsAtTheRightJob() async throws {
        let fixture = try await EndToEndFixture()  // fast jobs cost 240 credits
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(10)
        let first = try await fixture.run(["--poll-only", "--concurrency", "4", "--max-spend", "1000"])
        #expect(first.code == 75, "\(first.stderr)")
        #expect(first.stdout.contains("--max-spend"))
        let ledger = fixture.simulator.ledger()
        // 240 quoted for the probe; then 240 expected each: 4 jobs = 960 <= 1000 < 1200.
        #expect(ledger.submissionsByURL.count == 4)
        let jobs = try fixture.jobs()
        #expect(jobs.filter { ($0["request_id"] as String?) == nil && $0["state"] as String == "PENDING" }.count == 6)
        #expect(jobs.compactMap { $0["cost"] as Int? }.reduce(0, +) == 960)

        // With history, the next run needs no probe: 500 credits buy two 240-credit jobs.
        let second = try await fixture.run(["--poll-only", "--concurrency", "4", "--max-spend", "500"])
        #expect(second.code == 75)
        #expect(fixture.simulator.ledger().submissionsByURL.count == 6)
    }

    @Test func aCapThatFitsEveryJobEndsNormally() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3)
        let result = try await fixture.run(["--poll-only", "--max-spend", "720"])
        #expect(result.code == 0, "\(result.stderr)")
    }

    @Test func rateIsAnUpperBoundOnRequestsPerSecondAtTheAPI() async throws {
        let fixture = try await EndToEndFixture { $0.fastDuration = 0.2 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(40)
        let concurrency = 4
        let result = try await fixture.run(["--poll-only", "--concurrency", "\(concurrency)", "--rate", "20"])
        #expect(result.code == 0, "\(result.stderr)")
        let ledger = fixture.simulator.ledger()
        #expect(ledger.totalRequests >= 80, "every job was submitted and polled")
        // The promise, on the pacer's own schedule: starts at least 1/20 s apart, so at most 20
        // in any one-second window.
        let paceLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("pace: ") })
        let busiestStarts = try #require(Int(paceLine.split(separator: " ")[3]), "\(paceLine)")
        #expect(busiestStarts >= 1 && busiestStarts <= 20, "\(paceLine)")
        // At the API, requests started in one window may arrive in the next (a busy machine
        // delays them between start and arrival), but only while they hold one of the run's
        // slots: whatever arrives within one second started within it (at most 20) or was
        // already on its way when it began (at most `concurrency`). The bound holds at any speed;
        // a pacer that caught up with a burst after a stall would break it.
        #expect(
            ledger.busiestSecond <= 20 + concurrency,
            "busiest second at the API: \(ledger.busiestSecond) requests")
    }

    /// `--rate 0.02` (one request every 50 s, below the old 0.1/s floor): a signal while the
    /// feeder waits for the pacer's next slot stops the run there, with no request after it.
    @Test func aSignalDuringALongRateWaitStopsTheRunWithoutAnotherRequest() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(5)
        let running = try fixture.startRun(["--poll-only", "--concurrency", "1", "--rate", "0.02"])
        try await waitUntil("the first job's request id is recorded") {
            (try? fixture.jobs().filter { ($0["request_id"] as String?) != nil }.count) ?? 0 >= 1
        }
        let requestsBefore = fixture.simulator.ledger().totalRequests
        running.signal(SIGINT)
        let result = await running.wait()
        #expect(result.code == 75, "\(result.stderr)")
        #expect(result.stdout.contains("stopped by a signal"), "\(result.stdout)")
        #expect(fixture.simulator.ledger().totalRequests == requestsBefore, "no request started after the signal")
        #expect(try fixture.jobs().filter { ($0["request_id"] as String?) == nil }.count == 4)
    }
}
