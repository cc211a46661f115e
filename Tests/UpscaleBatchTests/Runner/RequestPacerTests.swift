import TestSupport
import Testing

@testable import UpscaleBatch

/// `--rate`: starts spaced 1/N s apart, no burst after a stall, and its own busiest second.
@Suite(.bounded) struct RequestPacerTests {
    static let second: UInt64 = 1_000_000_000

    @Test func startsAreSpacedByTheInterval() {
        var pacer = RequestPacer(requestsPerSecond: 4)
        #expect(pacer.reserve(now: 10 * Self.second) == 0)
        #expect(pacer.reserve(now: 10 * Self.second) == 0.25)
        #expect(pacer.reserve(now: 10 * Self.second) == 0.5)
        #expect(pacer.reserve(now: 10 * Self.second + 600_000_000) == 0.15)
    }

    @Test func aStalledFeederNeverCatchesUpWithABurst() {
        var pacer = RequestPacer(requestsPerSecond: 10)
        _ = pacer.reserve(now: 0)
        // The feeder was not scheduled for 5 s: the next start is now, the one after it a full
        // interval later, not a burst of the 50 starts the stall "missed".
        #expect(pacer.reserve(now: 5 * Self.second) == 0)
        #expect(pacer.reserve(now: 5 * Self.second) == 0.1)
        #expect(pacer.reserve(now: 5 * Self.second) == 0.2)
    }

    @Test func busiestSecondCountsTheReservedStartsExactly() {
        var pacer = RequestPacer(requestsPerSecond: 20)
        for _ in 0..<100 { _ = pacer.reserve(now: 0) }
        // Starts at 0, 0.05, ..., 4.95 s: twenty in any one-second window, never 21.
        #expect(pacer.busiestSecond == 20)
        var slow = RequestPacer(requestsPerSecond: 20)
        for second in 0..<10 { _ = slow.reserve(now: UInt64(second) * Self.second) }
        #expect(slow.busiestSecond == 1)
        var odd = RequestPacer(requestsPerSecond: 3)
        for _ in 0..<30 { _ = odd.reserve(now: 0) }
        #expect(odd.busiestSecond == 3)
    }
}

/// The pacer's start times, as the feeder waits for them on a deadline.
@Suite(.bounded) struct RequestPacerStartTests {
    static let second: UInt64 = 1_000_000_000

    @Test func theIntervalRoundsUpSoTheRateIsNeverPassed() {
        let pacer = RequestPacer(requestsPerSecond: 3)
        #expect(pacer.interval == 333_333_334)
        #expect(pacer.interval * 3 > Self.second)
    }

    @Test func aStartReservedInThePastStartsNow() {
        var pacer = RequestPacer(requestsPerSecond: 2)
        #expect(pacer.reserveStart(now: 5 * Self.second) == 5 * Self.second)
        // Asked 10 s later: now, not a start time in the past.
        #expect(pacer.reserveStart(now: 15 * Self.second) == 15 * Self.second)
        #expect(pacer.reserveStart(now: 15 * Self.second) == 15 * Self.second + Self.second / 2)
    }
}
