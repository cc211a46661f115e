import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// `recordPollResults` with many kinds of answer in one call (PostgreSQL applies them with one
/// batched statement) and with one job named twice (kept in order), on every engine.
@Suite(.bounded) struct StoreConformancePollBatchTests {
    @Test(arguments: StoreEngine.allCases) func oneCallMixesEveryKindOfAnswer(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun((1...5).map { "https://x.test/\($0).jpg" })
            for (index, id) in ids.enumerated() { try await store.submit(id, runID: run.runID, requestID: "req-\(index)") }
            // Job 4 is final already: a later answer must not move it, nor drop its cost.
            try await store.answer(ids[4], requestID: "req-4", state: .completed, cost: 50, resultURL: "https://r/4")

            let later = StoreClock.millis() + 3_600_000
            func claim(_ index: Int) -> PollClaim { PollClaim(jobID: ids[index], requestID: "req-\(index)", pollCount: 0) }
            let failed = try await store.recordPollResults([
                PollResult(
                    claim: claim(0), answer: StatusAnswer(state: .inProgress, rawStatus: "IN_PROGRESS"), nextPollAt: later),
                // FAILED without a message nor a cost: the default message, no cost.
                PollResult(claim: claim(1), answer: StatusAnswer(state: .failed, rawStatus: "FAILED"), nextPollAt: later),
                PollResult(claim: claim(2), answer: nil, nextPollAt: later),
                PollResult(
                    claim: claim(3), answer: nil, nextPollAt: later, notFound: true,
                    unknownRule: UnknownRequestRule(afterMillis: 0, mayFail: false)),
                PollResult(
                    claim: claim(4), answer: StatusAnswer(state: .inProgress, rawStatus: "IN_PROGRESS"), nextPollAt: later),
            ])
            #expect(failed.isEmpty)
            let jobs = try await store.allJobs()
            #expect(jobs.map(\.state) == [.inProgress, .failed, .pending, .pending, .completed])
            #expect(jobs[0].cost == nil && jobs[0].error == nil)
            #expect(jobs[1].error == "the API reported FAILED" && jobs[1].cost == nil)
            #expect(jobs[4].cost == 50 && jobs[4].resultURL == "https://r/4")
            // Jobs 0, 2 and 3 are still to be polled, at the time given.
            #expect(try await store.nextDuePoll(batch: nil) == later)
        }
    }

    @Test(arguments: StoreEngine.allCases) func answersForOneJobInOneCallApplyInOrder(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun(["https://x.test/1.jpg", "https://x.test/2.jpg"])
            for (index, id) in ids.enumerated() { try await store.submit(id, runID: run.runID, requestID: "req-\(index)") }
            let claim = PollClaim(jobID: ids[0], requestID: "req-0", pollCount: 0)
            _ = try await store.recordPollResults([
                PollResult(claim: claim, answer: StatusAnswer(state: .inProgress, rawStatus: "IN_PROGRESS"), nextPollAt: 0),
                PollResult(
                    claim: claim, answer: StatusAnswer(state: .completed, rawStatus: "COMPLETED", cost: 120),
                    nextPollAt: 0),
                PollResult(
                    claim: PollClaim(jobID: ids[1], requestID: "req-1", pollCount: 0),
                    answer: StatusAnswer(state: .failed, rawStatus: "FAILED", error: "bad image"), nextPollAt: 0),
            ])
            let jobs = try await store.allJobs()
            #expect(jobs.map(\.state) == [.completed, .failed])
            #expect(jobs[0].cost == 120)
            #expect(jobs[1].error == "bad image")
            #expect(try await store.nextDuePoll(batch: nil) == nil)
        }
    }
}
