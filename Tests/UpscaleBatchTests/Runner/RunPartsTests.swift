import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The parts of a run's state, each with its own rules: where submissions and polls come from,
/// why the run stops (the outcome's one source), and the feeder's sleep.
@Suite(.bounded) struct RunPartsTests {
    /// `take` outside `#expect`, which cannot call a mutating member.
    func take(_ source: inout SubmissionSource, _ now: Int64) -> SubmissionSource.Next { source.take(now: now) }

    func claim(_ id: Int64, _ mode: Mode = .fast) -> SubmissionClaim {
        SubmissionClaim(jobID: id, url: "https://i/\(id).png", mode: mode)
    }

    @Test func theOutcomeComesFromTheStopReasonAndTheFirstReasonStays() {
        var stop = RunStop()
        #expect(stop.outcome(otherwise: { .allCompleted }) == .allCompleted)
        let first = stop.endSubmissions(.refusalStreak(message: "no credits"))
        let second = stop.endSubmissions(.spendCap(500))
        #expect(first && !second, "the first reason stays")
        #expect(stop.submissionsOver && !stop.isHalted)
        #expect(stop.outcome(otherwise: { .allCompleted }) == .refusalStreak(message: "no credits"))
        stop.halt(.unauthorized, at: Date())
        stop.halt(.interrupted, at: Date())
        #expect(stop.outcome(otherwise: { .allCompleted }) == .unauthorized, "a halt's outcome wins, the first one")
    }

    @Test func aSpendCapEndsSubmissionsWithItsOwnOutcome() {
        var stop = RunStop()
        let ended = stop.endSubmissions(.spendCap(500))
        #expect(ended)
        #expect(stop.outcome(otherwise: { .someFailed }) == .maxSpendReached(cap: 500))
    }

    @Test func resubmissionsGoFirstAndDoubtsWaitUntilTheirTime() {
        var source = SubmissionSource(spend: nil)
        #expect(source.needsRead && !source.isDrained)
        source.read([claim(1), claim(2)])
        #expect(source.cursor == 2 && !source.needsRead)
        source.resubmitLater(claim(9))
        let waits = source.waitForWebhook(claim(7), until: 1_000)
        let again = source.waitForWebhook(claim(7), until: 2_000)
        #expect(waits && !again, "one wait per job")
        #expect(source.nextDoubtDeadline == 1_000)
        #expect(take(&source, 500) == .submit(claim(9)))
        #expect(take(&source, 500) == .submit(claim(1)))
        #expect(take(&source, 1_000) == .submit(claim(7)), "a doubt whose wait is over goes first")
        #expect(take(&source, 1_000) == .submit(claim(2)))
        #expect(take(&source, 1_000) == .nothing)
        source.read([])
        #expect(source.isDrained)
    }

    /// A rescan (another runner's work left) starts the reads again from the scope's start,
    /// but only once the jobs read ahead are handed out: one of them may be a lapsed runner's
    /// submission in doubt that no later read would give back.
    @Test func aRescanWaitsForTheJobsReadAheadAndThenReadsFromTheStart() {
        var source = SubmissionSource(spend: nil)
        source.read([claim(5), claim(9)])
        #expect(source.cursor == 9)
        source.requestRescan()
        source.applyRescan()
        #expect(source.cursor == 9 && !source.isDrained, "nothing read ahead is dropped")
        #expect(take(&source, 0) == .submit(claim(5)))
        #expect(take(&source, 0) == .submit(claim(9)))
        source.applyRescan()
        #expect(source.cursor == 0 && source.needsRead && !source.isDrained)
    }

    @Test func aSettledDoubtIsNeverResubmitted() {
        var source = SubmissionSource(spend: nil)
        source.read([])
        _ = source.waitForWebhook(claim(3), until: 100)
        #expect(!source.isDrained)
        source.settled([3])
        #expect(source.isDrained && take(&source, 1_000) == .nothing)
    }

    @Test func theSpendGuardDecidesWhetherTheNextJobGoes() {
        var source = SubmissionSource(spend: SpendGuard(cap: 100, history: [:]))
        source.read([claim(1), claim(2)])
        #expect(take(&source, 0) == .submit(claim(1)), "the probe of an unknown mode")
        #expect(take(&source, 0) == .nothing, "the mode's first quote comes first")
        source.quoted(job: 1, cost: 60)
        #expect(take(&source, 0) == .capReached(100), "60 spent + 60 expected would pass 100")
    }

    @Test func withNothingDueThePollSourceWaitsForTheNextDueTimeOrAnEarlierOne() {
        var polls = PollSource()
        #expect(polls.shouldAsk(now: 0))
        polls.asking()
        polls.nothingDue(next: 5_000)
        #expect(!polls.shouldAsk(now: 4_999) && polls.shouldAsk(now: 5_000))
        polls.dueBy(3_000)
        #expect(polls.shouldAsk(now: 3_000))
        polls.asking()
        polls.nothingDue(next: nil)
        #expect(polls.askAfter == Int64.max, "none awaits a poll: ask only when told")
    }

    @Test func aDueTimeNamedWhileTheStoreIsAskedIsNotLost() {
        var polls = PollSource()
        polls.asking()
        polls.dueBy(2_000)  // a commit landed while the store was being asked
        polls.nothingDue(next: 9_000)  // the store's answer predates the commit
        #expect(polls.askAfter == 2_000)
    }

    @Test func claimedPollsGoOutBeforeTheStoreIsAskedAgain() throws {
        let duplicate = AttemptPollClaim(attemptID: 1, jobID: 1, requestID: "dup")
        var polls = PollSource(attempts: [duplicate])
        polls.claimed([PollClaim(jobID: 2, requestID: "r2", pollCount: 0)], askAfter: 1_025)
        #expect(!polls.shouldAsk(now: .max))
        let taken = polls.takeClaimed()
        #expect(taken?.jobID == 2)
        #expect(!polls.shouldAsk(now: 1_024), "polls falling due within the claim window wait to be claimed together")
        #expect(polls.shouldAsk(now: 1_025))
        polls.dueBy(1_010)
        #expect(polls.shouldAsk(now: 1_010), "a due time a commit names comes first")
        #expect(polls.nextAttempt == duplicate, "listed until its poll has started")
        polls.started(duplicate)
        #expect(polls.nextAttempt == nil)
    }

    @Test func aWakeUpWhileTheFeederDecidesKeepsItAwake() {
        var load = FeederLoad()
        load.looking()
        let signalAwake = load.wake()
        #expect(!signalAwake, "not asleep: nothing to signal")
        load.released()
        let sleepsAfterWake = load.sleep()
        #expect(!sleepsAfterWake, "the wake-up came while it decided: it looks again")
        load.looking()
        load.released()
        let sleeps = load.sleep()
        let signalAsleep = load.wake()
        #expect(sleeps && signalAsleep, "asleep: it must be signalled")
        load.awake()
        #expect(load.held == 0 && load.requests == 0)
    }

    @Test func theUnknownRequestWatchStopsOnlyWhenEveryPollIsUnknown() {
        var watch = UnknownRequestWatch(inFlightAtStart: 6)
        var verdict = UnknownRequestWatch.Verdict(everyPollUnknown: false, mayFail: true)
        for index in 0..<UnknownRequestWatch.streakLimit {
            verdict = watch.notFound("r\(index % UnknownRequestWatch.distinctLimit)")
            #expect(!verdict.mayFail, "poll \(index): nothing answered yet, so no job may fail")
        }
        #expect(verdict.everyPollUnknown && !verdict.mayFail)
        var answered = UnknownRequestWatch(inFlightAtStart: 6)
        answered.pollAnswered()
        for index in 0..<40 { verdict = answered.notFound("r\(index)") }
        #expect(!verdict.everyPollUnknown && verdict.mayFail, "the API answered: 404s are about the jobs")
    }

    /// The first 404s of a scope that can reach the verdict fail nothing, whatever their order:
    /// the same request id 404 three times before any other was polled (a busy machine).
    @Test func theFirst404sOfAJudgeableScopeFailNothingInAnyOrder() {
        var watch = UnknownRequestWatch(inFlightAtStart: 6)
        for _ in 0..<3 { #expect(!watch.notFound("r0").mayFail) }
        var small = UnknownRequestWatch(inFlightAtStart: 2)
        for _ in 0..<3 { #expect(small.notFound("r0").mayFail, "two jobs can never show a wrong base URL") }
        #expect(!small.notFound("r1").everyPollUnknown)
    }

    @Test func webhooksCountAsActiveFromTheirFirstCompletion() {
        var watch = WebhookWatch()
        let none = watch.saw(completions: 0)
        #expect(!none && !watch.active)
        let first = watch.saw(completions: 2)
        #expect(first && watch.active)
        let later = watch.saw(completions: 3)
        #expect(!later, "already active")
    }
}
