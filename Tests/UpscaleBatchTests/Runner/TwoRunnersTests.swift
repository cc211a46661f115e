import EnhancorSimulator
import Foundation
import GRDB
import Logging
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// Issue 14, point 1: two runners that got past the run lock (here: two runners in one
/// process, each with its own connection pool on the same file, as two processes would have)
/// never send the same job twice: a submission claim is one conditional UPDATE only one wins.
@Suite(.bounded) struct TwoRunnersTests {
    @Test func twoRunnersOnOneStoreNeverSubmitTheSameJobTwice() async throws {
        let dir = TemporaryDirectory()
        let first = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(first, count: 300)
        let second = try SQLiteJobStore.open(at: first.path)
        try await APISimulatorHarness.with(simulator: { config in
            config.fastDuration = 0.2
            config.latencySeconds = 0.01
        }) { client, simulator in
            var configuration = RunConfiguration(webhookBaseURL: RunConfiguration.pollOnlyWebhookURL)
            configuration.concurrency = 16
            configuration.pollInterval = 0.1
            let one = JobRunner(
                store: first, client: client, configuration: configuration, logger: APISimulatorHarness.quietLogger)
            let two = JobRunner(
                store: second, client: client, configuration: configuration, logger: APISimulatorHarness.quietLogger)
            // Both begin (their scopes recorded) before either submits anything.
            let scopes = Mutex<[Int]>([])
            let bothBegun: @Sendable (Int) async -> Void = { scope in
                scopes.withLock { $0.append(scope) }
                _ = await eventually { scopes.withLock { $0.count } == 2 }
            }
            async let outcomeOne = one.run(started: bothBegun)
            async let outcomeTwo = two.run(started: bothBegun)
            let outcomes = try await [outcomeOne, outcomeTwo]
            #expect(scopes.withLock { $0 } == [300, 300])
            #expect(outcomes.allSatisfy { $0 == .allCompleted }, "\(outcomes)")
            let ledger = simulator.ledger()
            let twice = ledger.submissionsByURL.filter { $0.value > 1 }
            #expect(twice.isEmpty, "submitted more than once: \(twice.count) URL(s)")
            #expect(ledger.submissionsByURL.count == 300)
            #expect(one.statistics.submissions > 0 && two.statistics.submissions > 0, "both runners took part")
            #expect(one.statistics.submissions + two.statistics.submissions == 300)
        }
    }

    /// A run's scope is its own: jobs imported after it started are for the next run, and a
    /// later run's scope never rewrites an earlier one's.
    @Test func aRunClaimsOnlyItsOwnScope() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(store, count: 3, batch: "early")
        let firstRun = RunIdentity(runID: "run-1")
        #expect(try await store.beginRun(firstRun, batch: nil) == 3)
        try await StoreFixtures.insertJobs(store, count: 2, batch: "late")
        #expect(try await store.unsubmittedJobs(runID: "run-1", afterID: 0, limit: 100).count == 3)
        #expect(try await store.beginRun(RunIdentity(runID: "run-2"), batch: nil) == 5)
        #expect(try await store.unsubmittedJobs(runID: "run-1", afterID: 0, limit: 100).count == 3)
        #expect(try await store.statusSnapshot(runID: "run-1").total == 3)
        // A job of run-1's scope that FAILED and is moved back by `retry` meanwhile is for the next run.
        let first = try await store.unsubmittedJobs(runID: "run-1", afterID: 0, limit: 1)[0].jobID
        try StoreFixtures.update(store, job: first, "state = 'FAILED'")
        #expect(try await store.retryFailed() == 1)
        #expect(try await store.unsubmittedJobs(runID: "run-1", afterID: 0, limit: 100).map(\.jobID).contains(first) == false)
        #expect(try await store.statusSnapshot(runID: "run-1").total == 2)
    }

    /// A claim left in doubt by a run whose process is gone is taken over by the next run (and
    /// flagged); one held by a live run is not. A pid reused by another process is not the run.
    @Test func claimsOfDeadRunsAreTakenOverAndLiveOnesAreNot() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let ids = try await StoreFixtures.insertJobs(store, count: 3)
        func claim(_ job: Int64, _ run: String) async throws(StoreError) -> SubmissionClaimResult {
            try await store.claimSubmission(jobID: job, runID: run, webhookOfOurs: false, doubtWait: 600, account: nil)
        }
        var dead = RunIdentity(runID: "dead")
        dead.pid = Int32.max  // no such process
        _ = try await store.beginRun(dead, batch: nil)
        #expect(try await claim(ids[0], "dead") == .claimed(possibleDuplicate: false))
        var reused = RunIdentity(runID: "reused")  // this test's pid, but another process's start
        reused.processStart = "another-boot:1"
        _ = try await store.beginRun(reused, batch: nil)
        #expect(try await claim(ids[1], "reused") == .claimed(possibleDuplicate: false))
        _ = try await store.beginRun(RunIdentity(runID: "live"), batch: nil)
        #expect(try await claim(ids[2], "live") == .claimed(possibleDuplicate: false))

        _ = try await store.beginRun(RunIdentity(runID: "next"), batch: nil)
        #expect(try await claim(ids[0], "next") == .claimed(possibleDuplicate: true))
        #expect(try await claim(ids[1], "next") == .claimed(possibleDuplicate: true))
        #expect(try await claim(ids[2], "next") == .gone, "run 'live' is alive and holds it")
    }
}
