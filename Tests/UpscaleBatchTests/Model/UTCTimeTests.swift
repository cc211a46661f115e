import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The one UTC formatter: the store's form, seconds, the day, and reading the store's form back.
@Suite(.bounded) struct UTCTimeTests {
    @Test func formsOfOneInstant() {
        let date = Date(timeIntervalSince1970: 1_795_568_400.678)  // 2026-11-25T01:00:00.678Z
        #expect(UTCTime.milliseconds(date) == "2026-11-25T01:00:00.678Z")
        #expect(UTCTime.seconds(date) == "2026-11-25T01:00:00Z")
        #expect(UTCTime.day(date) == "2026-11-25")
        #expect(UTCTime.parse("2026-11-25T01:00:00.678Z").map(UTCTime.milliseconds) == "2026-11-25T01:00:00.678Z")
        #expect(UTCTime.parse("yesterday") == nil)
    }

    @Test func theDayFollowsTheRoundedMilliseconds() {
        let almostMidnight = Date(timeIntervalSince1970: 1_795_651_199.9996)  // rounds to 2026-11-26T00:00:00.000Z
        #expect(UTCTime.milliseconds(almostMidnight) == "2026-11-26T00:00:00.000Z")
        #expect(UTCTime.day(almostMidnight) == "2026-11-26")
        #expect(UTCTime.milliseconds(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
    }
}
