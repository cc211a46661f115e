import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The run's lease as it counts it itself (`RunLease`): held from a renewal's send time, and a
/// new term after every lapse, noticed or not, so that work chosen before a pause never starts
/// after it. Times are given, not read: nothing here depends on the machine's speed.
@Suite(.bounded) struct RunLeaseTests {
    static let second: UInt64 = 1_000_000_000

    @Test func theLeaseCountsFromTheRenewalsSendTime() {
        var lease = RunLease(seconds: 3, sentAt: 10 * Self.second)
        #expect(lease.isHeld(at: 12 * Self.second) && !lease.isHeld(at: 13 * Self.second))
        // Sent at 12 s, answered at 12.5 s: held until 15 s, not 15.5 s.
        let lapsed = lease.renewed(sentAt: 12 * Self.second, answeredAt: 12 * Self.second + Self.second / 2)
        #expect(!lapsed, "no lapse")
        #expect(lease.isHeld(at: 14 * Self.second) && !lease.isHeld(at: 15 * Self.second))
        #expect(lease.term == 0)
    }

    @Test func aLapseNoOneNoticedStillEndsTheTerm() {
        var lease = RunLease(seconds: 3, sentAt: 0)
        let chosenIn = lease.term
        #expect(lease.holds(term: chosenIn, at: Self.second))
        // Paused from 1 s to 20 s: the heartbeat answers first, the feeder saw nothing.
        let lapsed = lease.renewed(sentAt: 20 * Self.second, answeredAt: 20 * Self.second + 1)
        #expect(lapsed, "the renewal ends a lapse")
        #expect(lease.isHeld(at: 21 * Self.second), "the lease holds again")
        #expect(!lease.holds(term: chosenIn, at: 21 * Self.second), "but work chosen before the pause may not start")
        #expect(lease.holds(term: lease.term, at: 21 * Self.second))
    }

    @Test func aRenewalAnsweredAfterTheLeaseRanOutEndsTheTermToo() {
        var lease = RunLease(seconds: 3, sentAt: 0)
        // Sent in time (2 s), answered late (4 s): between 3 s and 4 s nothing was held.
        let lapsed = lease.renewed(sentAt: 2 * Self.second, answeredAt: 4 * Self.second)
        #expect(lapsed && lease.term == 1)
    }

    @Test func aNoticedLapseIsReportedOnceAndEndedByTheNextRenewal() {
        var lease = RunLease(seconds: 3, sentAt: 0)
        let (first, second) = (lease.noticeLapse(), lease.noticeLapse())
        #expect(first && !second, "one warning per lapse")
        let lapsed = lease.renewed(sentAt: 5 * Self.second, answeredAt: 5 * Self.second)
        #expect(lapsed)
        let again = lease.noticeLapse()
        #expect(again, "a later lapse is noticed again")
    }
}
