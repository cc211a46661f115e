import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The store grace's arithmetic: one outage for every caller, counted from the first failing
/// call's start, pauses that never pass the grace's end, and an end once the store answers.
@Suite(.bounded) struct StoreOutageTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func theGraceCountsFromTheFirstFailingCallsStart() {
        var outage = StoreOutage()
        // The first call waited 10 s for a connection before it failed.
        let first = outage.failed(callStarted: start, at: start + 10, grace: 60)
        #expect(first?.first == true)
        #expect(outage.began == start)
        // Another caller's failure is the same outage, not a new one.
        let second = outage.failed(callStarted: start + 30, at: start + 40, grace: 60)
        #expect(second?.first == false)
        let third = outage.failed(callStarted: start + 50, at: start + 59.5, grace: 60)
        #expect(third != nil)
        let fourth = outage.failed(callStarted: start + 59.5, at: start + 60, grace: 60)
        #expect(fourth == nil, "the grace is over")
    }

    /// A call under way when the process was stopped (SIGSTOP for longer than the grace) fails
    /// on waking, its connection closed meanwhile: the stop is not the store's outage.
    @Test func aCallThatBeganBeforeAStopCountsOnlyItsLastFifteenSeconds() {
        var outage = StoreOutage()
        let woke = start + 120
        let failure = outage.failed(callStarted: start, at: woke, grace: 60)
        #expect(failure != nil, "the run waits for the store")
        #expect(outage.began == woke - StoreOutage.longestFailingCall)
        #expect(outage.failed(callStarted: woke, at: woke + 44, grace: 60) != nil)
        #expect(outage.failed(callStarted: woke + 44, at: woke + 46, grace: 60) == nil, "the grace counts on from there")
    }

    @Test func pausesGrowButNeverPassTheGracesEnd() throws {
        var outage = StoreOutage()
        var pauses: [Double] = []
        for second in 0..<8 {
            let now = start + Double(second)
            let failed = outage.failed(callStarted: now, at: now, grace: 60)
            pauses.append(try #require(failed).pause)
        }
        #expect(pauses == pauses.sorted(), "\(pauses)")
        #expect(pauses.allSatisfy { $0 > 0 && $0 <= 2 }, "\(pauses)")
        let lastFailure = outage.failed(callStarted: start + 59.9, at: start + 59.9, grace: 60)
        let last = try #require(lastFailure)
        #expect(last.pause <= 0.1 + 1e-6, "the last try comes as the grace runs out: \(last.pause)")
    }

    @Test func anAnswerEndsTheOutageAndTheNextFailureStartsAFreshGrace() {
        var outage = StoreOutage()
        let none = outage.answered(at: start)
        #expect(none == nil, "no outage, nothing to report")
        _ = outage.failed(callStarted: start, at: start + 1, grace: 5)
        let lasted = outage.answered(at: start + 3)
        #expect(lasted == 3)
        #expect(outage.began == nil)
        let fresh = outage.failed(callStarted: start + 100, at: start + 100, grace: 5)
        #expect(fresh?.first == true)
    }

    @Test func aGraceOfZeroGivesUpAtTheFirstFailure() {
        var outage = StoreOutage()
        let failed = outage.failed(callStarted: start, at: start, grace: 0)
        #expect(failed == nil)
    }

    @Test func onceGivenUpEveryLaterFailureEndsAtOnceWithTheFirstReason() {
        var outage = StoreOutage()
        #expect(outage.gaveUp == nil)
        _ = outage.failed(callStarted: start, at: start + 1, grace: 5)
        let over = outage.failed(callStarted: start + 5, at: start + 6, grace: 5)
        #expect(over == nil)
        outage.giveUp(.unavailable(store: "s", detail: "first"))
        outage.giveUp(.unavailable(store: "s", detail: "second"))
        #expect(outage.gaveUp == .unavailable(store: "s", detail: "first"))
        // Even a failure that would start a fresh grace does not: the run is stopping.
        _ = outage.answered(at: start + 7)
        let later = outage.failed(callStarted: start + 8, at: start + 8, grace: 60)
        #expect(later == nil, "no more waiting once the run gave up")
    }

    @Test func onlyALostOrBusyServerIsWaitedFor() {
        #expect(StoreError.unreachable(endpoint: "h:5432", reason: "connection refused").mayPassWithTime)
        #expect(StoreError.unavailable(store: "s", detail: "too many connections").mayPassWithTime)
        #expect(!StoreError.loginRefused(store: "s", detail: "no such role").mayPassWithTime)
        #expect(!StoreError.busy(path: "p").mayPassWithTime)
        #expect(!StoreError.postgres(store: "s", detail: "syntax").mayPassWithTime)
    }
}
