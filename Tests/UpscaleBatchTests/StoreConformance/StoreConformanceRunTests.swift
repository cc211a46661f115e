import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Claims, submissions, polls and a run's scope, through the contract, on every engine.
@Suite(.bounded) struct StoreConformanceRunTests {
    @Test(arguments: StoreEngine.allCases) func aClaimIsOneRunsAndADoubtMakesTheNextAttemptAPossibleDuplicate(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg", "https://x.test/2.jpg"])
            let first = testRun("run-1")
            #expect(try await store.beginRun(first, batch: nil) == 2)
            let pending = try await store.unsubmittedJobs(runID: first.runID, afterID: 0, limit: 10)
            #expect(pending.map(\.url) == ["https://x.test/1.jpg", "https://x.test/2.jpg"])
            #expect(pending.allSatisfy { $0.mode == .fast })
            let job = pending[0].jobID

            #expect(
                try await store.claimSubmission(jobID: job, runID: first.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                    == .claimed(possibleDuplicate: false))
            // Another live run cannot take the claim.
            let second = testRun("run-2")
            _ = try await store.beginRun(second, batch: nil)
            #expect(
                try await store.claimSubmission(jobID: job, runID: second.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                    == .gone)
            // The answer was ambiguous: the job stays in doubt, not settled.
            try await store.recordSubmissionUnresolved(jobID: job, error: "timed out", keepInDoubt: true)
            #expect(try await store.settledJobs([job]).isEmpty)
            // Once the first run ended, the next attempt is a possible duplicate.
            try await store.endRun(runID: first.runID)
            #expect(
                try await store.claimSubmission(jobID: job, runID: second.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                    == .claimed(possibleDuplicate: true))
            try await store.recordSubmitted(jobID: job, requestID: "req-1", firstPollAt: 0)
            #expect(try await store.settledJobs([job]) == [job])
            let stored = try await store.job(id: job)
            #expect(stored?.possibleDuplicate == true)
            #expect(stored?.attempts == 2)
            #expect(stored?.requestID == "req-1")
            // A submitted job is no longer claimable nor listed as unsubmitted.
            #expect(
                try await store.claimSubmission(jobID: job, runID: second.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                    == .gone)
            #expect(
                try await store.unsubmittedJobs(runID: second.runID, afterID: 0, limit: 10).map(\.jobID) == [pending[1].jobID])
        }
    }

    /// The slots free together are claimed in one call, and the answers that came together are
    /// recorded in one: each job is judged on its own, and the results come in the order given.
    @Test(arguments: StoreEngine.allCases) func claimsAndRequestIDsOfSeveralJobsGoTogether(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun([
                "https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/3.jpg",
            ])
            // The middle job already has its request: it is gone, the others are claimed.
            _ = try await store.claimSubmission(jobID: ids[1], runID: run.runID, webhookOfOurs: false, doubtWait: 0)
            try await store.recordSubmitted(jobID: ids[1], requestID: "req-b", firstPollAt: 0)
            let claims = try await store.claimSubmissions(
                jobIDs: ids, runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
            #expect(claims == [.claimed(possibleDuplicate: false), .gone, .claimed(possibleDuplicate: false)])
            try await store.recordSubmitted([
                SubmittedRequest(jobID: ids[2], requestID: "req-c", firstPollAt: 5),
                SubmittedRequest(jobID: ids[0], requestID: "req-a", firstPollAt: 5),
                // A second answer for a job that has its request already: kept as a duplicate attempt.
                SubmittedRequest(jobID: ids[1], requestID: "req-b2", firstPollAt: 5),
            ])
            let jobs = try await store.allJobs().sorted { $0.id < $1.id }
            #expect(jobs.map(\.requestID) == ["req-a", "req-b", "req-c"])
            #expect(jobs.map(\.possibleDuplicate) == [false, true, false])
            #expect(try await store.settledJobs(ids).sorted() == ids)
            try await store.recordSubmitted([])  // nothing to record: no transaction, no error
        }
    }

    @Test(arguments: StoreEngine.allCases) func aDoubtSentWithOurWebhookWaitsForIt(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg"])
            let run = testRun()
            _ = try await store.beginRun(run, batch: nil)
            let job = try await store.allJobs()[0].id
            _ = try await store.claimSubmission(jobID: job, runID: run.runID, webhookOfOurs: true, doubtWait: 3600, account: nil)
            try await store.recordSubmissionUnresolved(jobID: job, error: "connection reset", keepInDoubt: true)
            let again = try await store.claimSubmission(
                jobID: job, runID: run.runID, webhookOfOurs: true, doubtWait: 3600, account: nil)
            guard case .waitForWebhook(let until) = again else {
                Issue.record("expected waitForWebhook, got \(again)")
                return
            }
            #expect(until > StoreClock.millis())
            // A released attempt (no doubt: nothing can have reached the API) is claimable again
            // at once, and is no possible duplicate.
            try await store.recordSubmissionUnresolved(jobID: job, error: "refused locally", keepInDoubt: false)
            #expect(
                try await store.claimSubmission(jobID: job, runID: run.runID, webhookOfOurs: false, doubtWait: 3600, account: nil)
                    == .claimed(possibleDuplicate: false))
        }
    }

    @Test(arguments: StoreEngine.allCases) func refusedJobsFailWithTheAPIsMessage(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg", "https://x.test/2.jpg"])
            let ids = try await store.allJobs().map(\.id)
            try await store.recordRefused(jobIDs: ids, message: "image too small")
            let jobs = try await store.allJobs()
            #expect(jobs.allSatisfy { $0.state == .failed && $0.error == "image too small" })
        }
    }

    @Test(arguments: StoreEngine.allCases) func pollsAreClaimedOnceAndAnswersMoveTheStateMachine(_ engine: StoreEngine)
        async throws
    {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun([
                "https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/3.jpg",
            ])
            for (index, id) in ids.enumerated() { try await store.submit(id, runID: run.runID, requestID: "req-\(index)") }
            #expect(try await store.nextDuePoll(batch: nil) == 0)

            let claimedFrom = StoreClock.millis()
            let claims = try await store.claimDuePolls(limit: 10, batch: nil, runID: "run-test")
            let claimedBy = StoreClock.millis()
            #expect(Set(claims.map(\.jobID)) == Set(ids))
            #expect(claims.allSatisfy { !$0.isFinal && $0.pollCount == 0 })
            // Claimed polls are not claimed again; they fall due again when the claim lapses.
            #expect(try await store.claimDuePolls(limit: 10, batch: nil, runID: "run-test").isEmpty)
            let lapse = try #require(try await store.nextDuePoll(batch: nil))
            #expect(lapse >= claimedFrom + PollClaim.lapse && lapse <= claimedBy + PollClaim.lapse)

            let later = StoreClock.millis() + 3_600_000
            let results = [
                PollResult(
                    claim: claims.first { $0.jobID == ids[0] }!,
                    answer: StatusAnswer(state: .completed, rawStatus: "COMPLETED", cost: 120, resultURL: "https://r/0"),
                    nextPollAt: later),
                PollResult(
                    claim: claims.first { $0.jobID == ids[1] }!,
                    answer: StatusAnswer(state: .failed, rawStatus: "FAILED", cost: 60, error: "bad image"), nextPollAt: later),
                PollResult(claim: claims.first { $0.jobID == ids[2] }!, answer: nil, nextPollAt: later),
            ]
            #expect(try await store.recordPollResults(results).isEmpty)
            let jobs = try await store.allJobs()
            #expect(jobs.map(\.state) == [.completed, .failed, .pending])
            #expect(jobs[0].cost == 120 && jobs[0].resultURL == "https://r/0")
            #expect(jobs[1].error == "bad image")
            #expect(try await store.nextDuePoll(batch: nil) == later)
            #expect(try await store.nextDuePoll(batch: "no-such-batch") == nil)
            // A final job never moves again.
            try await store.answer(ids[0], requestID: "req-0", state: .failed)
            #expect(try await store.job(id: ids[0])?.state == .completed)
            // An answer for another request id changes nothing.
            try await store.answer(ids[2], requestID: "req-other", state: .completed, cost: 1)
            #expect(try await store.job(id: ids[2])?.state == .pending)
        }
    }

    @Test(arguments: StoreEngine.allCases) func threeNotFoundsFailAJobInFlight(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg"])
            let run = testRun()
            _ = try await store.beginRun(run, batch: nil)
            let id = try await store.allJobs()[0].id
            try await store.submit(id, runID: run.runID, requestID: "req-lost")
            let claim = PollClaim(jobID: id, requestID: "req-lost", pollCount: 0)
            let rule = UnknownRequestRule(afterMillis: 0, mayFail: true)
            var failed: [Int64] = []
            for _ in 0..<UnknownRequestRule.polls {
                #expect(failed.isEmpty)
                failed = try await store.recordPollResults([
                    PollResult(claim: claim, answer: nil, nextPollAt: 0, notFound: true, unknownRule: rule)
                ])
            }
            #expect(failed == [id])
            let job = try await store.job(id: id)
            #expect(job?.state == .failed)
            #expect(job?.error == "the API does not know request id req-lost")
        }
    }

    @Test(arguments: StoreEngine.allCases) func aRunsScopeOutstandingTimeoutsAndCredits(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg", "https://x.test/2.jpg"], batch: "a")
            try await store.importURLs(["https://x.test/3.jpg"], batch: "b")
            let run = testRun()
            #expect(try await store.beginRun(run, batch: "a") == 2)
            let ids = try await store.allJobs(JobFilter(batch: "a")).map(\.id)
            #expect(
                try await store.runOutstanding(runID: run.runID) == RunOutstanding(inFlight: 0, awaitingPoll: 0, unsubmitted: 2))
            try await store.submit(ids[0], runID: run.runID, requestID: "req-0")
            try await store.submit(ids[1], runID: run.runID, requestID: "req-1")
            let outstanding = try await store.runOutstanding(runID: run.runID)
            #expect(outstanding == RunOutstanding(inFlight: 2, awaitingPoll: 2, unsubmitted: 0))
            try await store.answer(ids[0], requestID: "req-0", state: .inProgress)
            try await store.answer(ids[1], requestID: "req-1", state: .inProgress)
            #expect(try await store.runOutstanding(runID: run.runID).inFlight == 2)
            #expect(
                try await store.recordWebhook(
                    jobID: ids[0], requestID: "req-0", status: "success", resultURL: "https://r/0", busyTimeout: 5)
                    == .completed(jobID: ids[0]))
            #expect(try await store.webhookCompletions(runID: run.runID) == 1)
            let timedOut = try await store.failTimedOut(
                runID: run.runID, submittedBefore: Date().addingTimeInterval(3600), reason: "took too long")
            #expect(timedOut == 1)
            #expect(try await store.job(id: ids[1])?.state == .failed)
            #expect(try await store.job(id: ids[1])?.error == "took too long")
            try await store.answer(ids[0], requestID: "req-0", state: .completed, cost: 100)
            try await store.answer(ids[1], requestID: "req-1", state: .failed, cost: 40)
            let credits = try await store.runCredits(runID: run.runID)
            #expect(credits["fast"] == CostTotals(total: 140, completed: 100, failed: 40))
            let status = try await store.statusSnapshot(batch: nil, runID: run.runID)
            #expect(status.counts[.completed] == 1 && status.counts[.failed] == 1 && status.counts[.pending] == 0)
            try await store.endRun(runID: run.runID)
            try await store.recordRunSucceeded(at: Date(timeIntervalSince1970: 1_800_000_000))
            let metrics = try await store.metricsSnapshot(now: Date())
            #expect(metrics.counts[.pending] == 1)
            #expect(metrics.lastSuccess == 1_800_000_000)
            #expect(metrics.oldestUnfinishedAge != nil)
        }
    }

    @Test(arguments: StoreEngine.allCases) func retryMovesFailedBackAndKeepsTheirCostsInTheEstimate(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun([
                "https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/3.jpg",
            ])
            try await store.submit(ids[0], runID: run.runID, requestID: "req-0")
            try await store.submit(ids[1], runID: run.runID, requestID: "req-1")
            try await store.answer(ids[0], requestID: "req-0", state: .completed, cost: 100)
            try await store.answer(ids[1], requestID: "req-1", state: .failed, cost: 60)
            #expect(try await store.retryFailed(batch: "no-such-batch") == 0)
            #expect(try await store.retryFailed(batch: nil) == 1)
            let retried = try await store.job(id: ids[1])
            #expect(retried?.state == .pending && retried?.requestID == nil && retried?.cost == nil)
            let estimate = try await store.costEstimate(batch: nil)
            let fast = estimate.modes.first { $0.mode == .fast }
            #expect(fast?.pending == 2)
            #expect(fast?.knownJobs == 2)
            #expect(fast?.knownCost == 160)
        }
    }
}
