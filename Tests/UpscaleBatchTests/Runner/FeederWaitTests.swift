import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// Issue 15, point 2: the feeder waits on a deadline that a stop cuts short, and with nothing
/// due it does not ask the store on a tick.
@Suite(.bounded) struct FeederWaitTests {
    func configuration(concurrency: Int = 1) -> RunConfiguration {
        var configuration = RunConfiguration(webhookBaseURL: RunConfiguration.pollOnlyWebhookURL)
        configuration.concurrency = concurrency
        configuration.pollInterval = 0.01
        return configuration
    }

    var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// `--rate 0.01`: the second request may start only 100 s after the first. A stop during that
    /// wait ends the run then and there: the second job is never submitted.
    @Test func aStopDuringALongPacerWaitEndsTheRunWithoutAnotherRequest() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(store, count: 5)
        let client = ScriptedClient(statusScript: { _ in .inProgress })
        var configuration = configuration()
        configuration.requestsPerSecond = 0.01
        let runner = JobRunner(store: store, client: client, configuration: configuration, logger: logger)
        async let outcome = runner.run()
        // The first request went out and its answer is handled: the feeder now waits for the
        // pacer's next slot, 100 s away.
        try await waitUntil("the first submission is answered") { runner.statistics.accepted == 1 }
        runner.requestStop(.interrupted)
        #expect(try await outcome == .interrupted)
        let ledger = client.ledger.withLock { $0 }
        #expect(ledger.submissions.count == 1 && ledger.statusCalls == 0, "nothing started after the stop")
        #expect(runner.statistics.submissions == 1)
        #expect(try await store.statusSnapshot().unsubmitted == 4, "the other jobs stay for the next run")
    }

    /// With one job in flight polled every 2 s, the feeder asks the store for due polls about
    /// once per poll (and when a commit names a new due time), not every 50 ms in between.
    @Test func withNothingDueTheFeederDoesNotAskTheStoreOnATick() async throws {
        let dir = TemporaryDirectory()
        let sqlite = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(sqlite, count: 1)
        let store = CountingStore(sqlite)
        // In progress for three polls, then completed.
        let client = ScriptedClient(statusScript: { polls in polls < 3 ? .inProgress : .completed })
        var configuration = configuration()
        configuration.pollInterval = 2
        let runner = JobRunner(store: store, client: client, configuration: configuration, logger: logger)
        #expect(try await runner.run() == .allCompleted)
        let polls = client.ledger.withLock { $0.statusCalls }
        let claims = store.claimDuePollsCalls.withLock { $0 }
        #expect(polls == 4)
        // A 50 ms tick would have asked about 40 times per 2 s wait (over 100 in all).
        #expect(claims <= 4 * polls + 4, "claimDuePolls called \(claims) times for \(polls) polls")
    }

    /// A rate below 0.1/s paces by its full interval (no cap on the wait).
    @Test func aRateBelowOneInTenSecondsReservesItsFullInterval() {
        var pacer = RequestPacer(requestsPerSecond: 0.05)
        let second: UInt64 = 1_000_000_000
        #expect(pacer.reserveStart(now: 10 * second) == 10 * second)
        #expect(pacer.reserveStart(now: 10 * second) == 30 * second)
        #expect(pacer.reserve(now: 11 * second) == 39)
    }
}
