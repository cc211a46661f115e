import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Runners of a store (issue 13): the heartbeat, the live runners `status` lists, what a run's
/// reads leave out, and, on PostgreSQL, the take-over of a runner whose lease lapsed, judged
/// by the database's clock and never before it.
@Suite(.bounded) struct StoreConformanceRunnersTests {
    let anyDemand = RunnerDemand(concurrency: 8, rate: nil)

    @Test(arguments: StoreEngine.allCases) func aRunIsLiveFromItsStartUntilItsEnd(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, _) = try await store.importAndBeginRun(["https://x.test/1.jpg"])
            let listed = try #require(try await store.liveRunners().first { $0.id == run.runID })
            #expect(listed.pid == Int64(getpid()) && listed.host == run.host && listed.inFlight == 0)

            let renewal = try await store.renewRun(runID: run.runID, inFlight: 5, demand: anyDemand)
            #expect(renewal.registered)
            #expect(renewal.liveRunners.contains(run.runID))
            let renewed = try #require(try await store.liveRunners().first { $0.id == run.runID })
            #expect(renewed.inFlight == 5)
            #expect(renewed.lastSeen >= renewed.startedAt, "\(renewed)")

            try await store.endRun(runID: run.runID)
            #expect(try await store.liveRunners().allSatisfy { $0.id != run.runID })
            #expect(try await store.renewRun(runID: run.runID, inFlight: 0, demand: anyDemand).registered == false)
        }
    }

    @Test(arguments: StoreEngine.allCases) func theRunsOwnSubmissionsUnderWayAreNotReadAgain(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, ids) = try await store.importAndBeginRun((1...3).map { "https://x.test/\($0).jpg" })
            let claimed = try await store.claimSubmissions(
                jobIDs: [ids[0]], runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
            #expect(claimed == [.claimed(possibleDuplicate: false)])
            let again = try await store.unsubmittedJobs(runID: run.runID, afterID: 0, limit: 10)
            #expect(again.map(\.jobID) == Array(ids[1...]), "a rescan never hands out a submission under way")
            #expect(try await store.unsubmittedHeldByOthers(runID: run.runID) == 0)
        }
    }

    @Test(arguments: StoreEngine.allCases) func anotherLiveRunsClaimKeepsARunGoing(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (runA, ids) = try await store.importAndBeginRun((1...3).map { "https://x.test/\($0).jpg" })
            let other = try await harness.reopen()
            let runB = testRun("run-b")
            _ = try await other.beginRun(runB, batch: nil)
            let claimed = try await other.claimSubmissions(
                jobIDs: [ids[1]], runID: runB.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
            #expect(claimed == [.claimed(possibleDuplicate: false)])
            #expect(try await store.unsubmittedHeldByOthers(runID: runA.runID) == 1)
            #expect(
                try await store.claimSubmissions(
                    jobIDs: [ids[1]], runID: runA.runID, webhookOfOurs: false, doubtWait: 0, account: nil) == [.gone],
                "a live run's claim is its own")
            (other as? PostgresJobStore)?.close()
        }
    }

    /// Runner A (a long lease) and runner C (a short one) reserve and claim; B shares the store.
    /// Nothing of A's goes to B; once the database says C's lease lapsed, B reads C's reserved
    /// jobs, claims C's submission in doubt as a possible duplicate, and B's heartbeat makes
    /// C's poll claims due for B.
    @Test func aLapsedRunnersWorkIsTakenOverAndALiveOnesIsNot() async throws {
        try await EngineStore.with(.postgres) { harness in
            let store = harness.store
            try await store.importURLs((1...12).map { "https://x.test/\($0).jpg" })
            let runA = RunIdentity(runID: "run-a", lease: 600)
            let runC = RunIdentity(runID: "run-c", lease: 1)
            let runB = RunIdentity(runID: "run-b", lease: 600)
            for run in [runA, runC, runB] { _ = try await store.beginRun(run, batch: nil) }

            let ofA = try await store.unsubmittedJobs(runID: runA.runID, afterID: 0, limit: 3).map(\.jobID)
            let ofC = try await store.unsubmittedJobs(runID: runC.runID, afterID: 0, limit: 3).map(\.jobID)
            #expect(ofA.count == 3 && ofC.count == 3 && Set(ofA).isDisjoint(with: ofC), "reservations are disjoint")
            // Each holds one submission under way (answered, so due for its poll) and one in doubt.
            for (run, jobs) in [(runA, ofA), (runC, ofC)] {
                try await store.submit(jobs[0], runID: run.runID, requestID: "req-\(run.runID)")
                #expect(
                    try await store.claimSubmissions(
                        jobIDs: [jobs[1]], runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                        == [.claimed(possibleDuplicate: false)])
                #expect(try await store.claimDuePolls(limit: 10, batch: nil, runID: run.runID).map(\.jobID) == [jobs[0]])
            }

            // Before C's lease lapses by the database's clock, nothing of A's or C's is B's.
            let early = try await store.unsubmittedJobs(runID: runB.runID, afterID: 0, limit: 100).map(\.jobID)
            #expect(Set(early).isDisjoint(with: ofA), "a live runner's reservations stay its own")
            #expect(
                try await store.claimSubmissions(
                    jobIDs: [ofA[1]], runID: runB.runID, webhookOfOurs: false, doubtWait: 0, account: nil) == [.gone])
            _ = try await store.renewRun(runID: runB.runID, inFlight: 0, demand: anyDemand)
            // (C's lease is short: on a slow machine C may have lapsed already, so its work may
            // come B's way from here on; A's never does.)
            let earlyPolls = try await store.claimDuePolls(limit: 10, batch: nil, runID: runB.runID).map(\.jobID)
            #expect(!earlyPolls.contains(ofA[0]), "a live runner's poll claim stays its own")
            // A's claim and reservation, and C's unless B has taken them already.
            #expect((2...4).contains(try await store.unsubmittedHeldByOthers(runID: runB.runID)))

            // C stops renewing; the database's clock decides when it is no longer live.
            let lapsed = try await eventually { try await store.liveRunners().allSatisfy { $0.id != runC.runID } }
            #expect(lapsed)
            let renewal = try await store.renewRun(runID: runB.runID, inFlight: 0, demand: anyDemand)
            #expect(renewal.liveRunners == [runA.runID, runB.runID])

            let taken = try await early + store.unsubmittedJobs(runID: runB.runID, afterID: 0, limit: 100).map(\.jobID)
            #expect(taken.contains(ofC[1]) && taken.contains(ofC[2]), "C's reserved and in-doubt jobs are B's to read")
            #expect(Set(taken).isDisjoint(with: ofA))
            #expect(
                try await store.claimSubmissions(
                    jobIDs: [ofC[1]], runID: runB.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                    == [.claimed(possibleDuplicate: true)], "C's submission in doubt is resubmitted, flagged")
            let polls = try await earlyPolls + store.claimDuePolls(limit: 10, batch: nil, runID: runB.runID).map(\.jobID)
            #expect(polls == [ofC[0]], "B's heartbeat made C's poll claim due, and A's stays A's")

            // C's answer to the poll B took over arrives late: its facts count, B's claim stays
            // (C's "ask again at once" is not applied); B's own answer ends B's claim.
            let inProgress = StatusAnswer(state: .inProgress, rawStatus: "IN_PROGRESS")
            func answer(by run: RunIdentity) -> PollResult {
                PollResult(
                    claim: PollClaim(jobID: ofC[0], requestID: "req-run-c", pollCount: 0, owner: run.runID),
                    answer: inProgress, nextPollAt: 0)
            }
            _ = try await store.recordPollResults([answer(by: runC)])
            #expect(try await store.job(id: ofC[0])?.state == .inProgress, "the late answer's facts are recorded")
            #expect(
                try await store.claimDuePolls(limit: 10, batch: nil, runID: runB.runID).isEmpty,
                "a late answer leaves the new owner's claim alone")
            _ = try await store.recordPollResults([answer(by: runB)])
            #expect(try await store.claimDuePolls(limit: 10, batch: nil, runID: runB.runID).map(\.jobID) == [ofC[0]])

            // C's answer for the submission B took over arrives late: the job stays B's, and
            // C's request is kept as an extra attempt, owed its cost poll.
            try await store.recordSubmitted([
                SubmittedRequest(jobID: ofC[1], requestID: "late-c", firstPollAt: 0, runID: runC.runID)
            ])
            let job = try #require(try await store.job(id: ofC[1]))
            #expect(job.requestID == nil && job.possibleDuplicate, "\(job)")
            #expect(try await store.duplicateAttemptsToPoll(batch: nil).map(\.requestID) == ["late-c"])
            try await store.recordSubmitted([
                SubmittedRequest(jobID: ofC[1], requestID: "req-b", firstPollAt: 0, runID: runB.runID)
            ])
            #expect(try await store.job(id: ofC[1])?.requestID == "req-b", "the holder's own answer is the job's")
        }
    }
}

/// The store-wide limits spread over runners (issue 13, point 4): each heartbeat's grant.
@Suite(.bounded) struct StoreConformanceLimitGrantTests {
    @Test(arguments: StoreEngine.allCases) func theOneRunnersGrantIsTheStoresLimits(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let (run, _) = try await store.importAndBeginRun(["https://x.test/1.jpg"])
            let demand = RunnerDemand(concurrency: 16, rate: nil)
            #expect(try await store.renewRun(runID: run.runID, inFlight: 0, demand: demand).grant == LimitGrant())
            _ = try await store.changeLimits(concurrency: .set(6), rate: .set(20))
            let grant = try await store.renewRun(runID: run.runID, inFlight: 0, demand: demand).grant
            #expect(grant == LimitGrant(concurrency: 6, rate: 20), "re-read at every heartbeat")
            #expect(try await !store.renewRun(runID: run.runID, inFlight: 6, demand: demand).settling, "alone: nothing moves")
        }
    }

    /// Three runners under `limits --concurrency 8 --rate 30`: what they hold never adds up to
    /// more, a runner that joins grows as the others give back, and one that dies frees its part.
    @Test func runnersSplitTheStoresLimitsAndNeverHoldMore() async throws {
        try await EngineStore.with(.postgres) { harness in
            let store = harness.store
            try await store.importURLs(["https://x.test/1.jpg"])
            _ = try await store.changeLimits(concurrency: .set(8), rate: .set(30))
            let demand = RunnerDemand(concurrency: 8, rate: nil)
            let a = RunIdentity(runID: "run-a", lease: 600)
            let b = RunIdentity(runID: "run-b", lease: 600)
            let c = RunIdentity(runID: "run-c", lease: 1)
            _ = try await store.beginRun(a, batch: nil)
            let aAlone = try await store.renewRun(runID: a.runID, inFlight: 0, demand: demand).grant
            #expect(aAlone == LimitGrant(concurrency: 8, rate: 30))

            _ = try await store.beginRun(b, batch: nil)
            // A holds everything (8 in flight): B gets nothing until A gives back.
            #expect(try await store.renewRun(runID: a.runID, inFlight: 8, demand: demand).grant.concurrency == 8)
            let bFirst = try await store.renewRun(runID: b.runID, inFlight: 0, demand: demand)
            #expect(bFirst.grant == LimitGrant(concurrency: 0, rate: 15), "a rate is given back at once, slots as requests end")
            #expect(bFirst.settling, "B waits for its part: it asks again soon")
            // A's next beat shrinks its part to its share, but it holds its 8 until they end.
            let aOver = try await store.renewRun(runID: a.runID, inFlight: 8, demand: demand)
            #expect(aOver.grant.concurrency == 4)
            #expect(aOver.settling, "A holds more than its part: it beats again as its requests end")
            #expect(try await store.renewRun(runID: b.runID, inFlight: 0, demand: demand).grant.concurrency == 0)
            let aShrunk = try await store.renewRun(runID: a.runID, inFlight: 4, demand: demand)
            #expect(aShrunk.grant == LimitGrant(concurrency: 4, rate: 15))
            #expect(!aShrunk.settling)
            let bGrown = try await store.renewRun(runID: b.runID, inFlight: 0, demand: demand)
            #expect(bGrown.grant == LimitGrant(concurrency: 4, rate: 15))
            #expect(!bGrown.settling, "the parts are settled: back to the sharing beat")

            // C joins with a short lease and takes nothing; once it lapses it counts no more.
            _ = try await store.beginRun(c, batch: nil)
            #expect(try await store.renewRun(runID: c.runID, inFlight: 0, demand: demand).grant.concurrency == 0)
            #expect(try await eventually { try await store.liveRunners().allSatisfy { $0.id != c.runID } })
            #expect(try await store.renewRun(runID: a.runID, inFlight: 4, demand: demand).grant.concurrency == 4)
        }
    }
}
