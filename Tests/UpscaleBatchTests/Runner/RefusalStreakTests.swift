import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct RefusalStreakTests {
    @Test func refusalsAreHeldUntilAnAcceptanceThenFail() {
        var streak = RefusalStreak(limit: 5)
        #expect(streak.refused(job: 1, message: "bad image") == [.hold])
        #expect(streak.refused(job: 2, message: "bad image") == [.hold])
        #expect(streak.accepted() == .fail(jobs: [1, 2], message: "bad image"))
        #expect(streak.accepted() == nil)
    }

    @Test func theSameRefusalFiveTimesInARowStops() {
        var streak = RefusalStreak(limit: 5)
        for job in 1...4 { #expect(streak.refused(job: Int64(job), message: "no credits") == [.hold]) }
        #expect(streak.refused(job: 5, message: "no credits") == [.stop(jobs: [1, 2, 3, 4, 5], message: "no credits")])
        #expect(streak.flush() == nil)
    }

    @Test func aDifferentMessageBreaksTheStreak() {
        var streak = RefusalStreak(limit: 3)
        _ = streak.refused(job: 1, message: "a")
        _ = streak.refused(job: 2, message: "a")
        #expect(streak.refused(job: 3, message: "b") == [.fail(jobs: [1, 2], message: "a"), .hold])
        #expect(streak.flush() == .fail(jobs: [3], message: "b"))
    }
}
