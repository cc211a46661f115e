import Foundation
import GRDB
import Logging
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct JobRunnerTests {
    func makeRunner(_ store: SQLiteJobStore, _ client: ScriptedClient, concurrency: Int = 4) -> JobRunner {
        var configuration = RunConfiguration(webhookBaseURL: RunConfiguration.pollOnlyWebhookURL)
        configuration.concurrency = concurrency
        configuration.pollInterval = 0.01
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return JobRunner(store: store, client: client, configuration: configuration, logger: logger)
    }

    @Test func neverExceedsTheConcurrencyAndFinishesEveryJob() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(store, count: 300)
        let client = ScriptedClient(statusScript: { polls in polls == 0 ? .inProgress : .completed })
        let runner = makeRunner(store, client, concurrency: 5)
        let scope = Mutex(0)
        let outcome = try await runner.run { count in scope.withLock { $0 = count } }
        #expect(scope.withLock { $0 } == 300)
        #expect(outcome == .allCompleted)
        let ledger = client.ledger.withLock { $0 }
        #expect(ledger.maxInFlight <= 5)
        #expect(ledger.maxInFlight >= 4, "the pool is kept full while work remains")
        #expect(ledger.submissions.count == 300 && ledger.submissions.values.allSatisfy { $0 == 1 })
        #expect(runner.statistics.maxInFlight <= 5)
        let snapshot = try await store.statusSnapshot()
        #expect(snapshot.counts[.completed] == 300)
        #expect(snapshot.costs.completed == 300 * 100)
    }

    @Test func anAmbiguousSubmissionIsResubmittedAndFlagged() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let ids = try await StoreFixtures.insertJobs(store, count: 10)
        let client = ScriptedClient(submitScript: { url, attempt in
            url.hasSuffix("-3.jpg") && attempt == 1 ? .ambiguous(detail: "connection closed") : nil
        })
        let runner = makeRunner(store, client)
        #expect(try await runner.run() == .allCompleted)
        let flagged = try await store.database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM jobs WHERE possible_duplicate = 1")
        }
        #expect(flagged == [ids[3]])
        #expect(runner.statistics.ambiguous == 1)
        #expect(runner.statistics.possibleDuplicates == 1)
        #expect(try await store.statusSnapshot().possibleDuplicates == 1)
    }

    @Test func aRefusedKeyStopsTheRunAndFailsNothing() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(store, count: 50)
        let client = ScriptedClient(submitScript: { _, _ in .unauthorized(status: 401) })
        let runner = makeRunner(store, client, concurrency: 3)
        #expect(try await runner.run() == .unauthorized)
        let snapshot = try await store.statusSnapshot()
        #expect(snapshot.counts[.failed] == 0)
        #expect(snapshot.unsubmitted == 50)
        #expect(client.ledger.withLock { $0.submissions.count } <= 3)
    }

    @Test func transientErrorsThatOutlastRetriesLeaveJobsUnsubmittedAndTheRunIncomplete() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(store, count: 6)
        let client = ScriptedClient(submitScript: { url, _ in url.hasSuffix("-2.jpg") ? .transient(detail: "HTTP 503") : nil })
        let runner = makeRunner(store, client)
        #expect(try await runner.run() == .incomplete(unfinished: 1))
        let job = try await #require(try store.job(id: 3))
        #expect(job.isUnsubmitted)
        #expect(job.error?.contains("503") == true)
    }

    @Test func aJobFinishedByAWebhookIsPolledOnceForItsCost() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let id = try await StoreFixtures.insertJobs(store, count: 1)[0]
        // Submitted by an earlier run; a webhook finished it before any poll.
        try StoreFixtures.update(
            store, job: id,
            "request_id = 'req-old', state = 'COMPLETED', result_url = 'https://r/1', submitted_at = '2026-11-25T00:00:00.000Z'")
        let client = ScriptedClient()
        let runner = makeRunner(store, client)
        let scope = Mutex(-1)
        #expect(try await runner.run { count in scope.withLock { $0 = count } } == .allCompleted)
        #expect(scope.withLock { $0 } == 0, "a final job is not in a run's scope")
        #expect(client.ledger.withLock { $0.pollsByRequest } == ["req-old": 1])
        #expect(try await store.job(id: id)?.cost == 100)
        #expect(try await store.job(id: id)?.resultURL == "https://r/1", "the webhook's result URL is kept")
    }

    @Test func aStaleAnswerNeverMovesAJobBackwards() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let id = try await StoreFixtures.insertJobs(store, count: 1)[0]
        try StoreFixtures.update(store, job: id, "request_id = 'r', state = 'IN_PROGRESS'")
        let claim = PollClaim(jobID: id, requestID: "r", pollCount: 0)
        try await store.recordPollResults([
            PollResult(claim: claim, answer: StatusAnswer(state: .inQueue, rawStatus: "IN_QUEUE", cost: 7), nextPollAt: 0)
        ])
        #expect(try await store.job(id: id)?.state == .inProgress)
        #expect(try await store.job(id: id)?.cost == 7)
        try await store.recordPollResults([
            PollResult(claim: claim, answer: StatusAnswer(state: .failed, rawStatus: "FAILED", error: "x"), nextPollAt: 0)
        ])
        try await store.recordPollResults([
            PollResult(claim: claim, answer: StatusAnswer(state: .completed, rawStatus: "COMPLETED"), nextPollAt: 0)
        ])
        #expect(try await store.job(id: id)?.state == .failed, "a final state is final")
    }
}
