import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct APIRetryAfterTests {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test func deltaSeconds() {
        #expect(RetryAfter.seconds(from: "2", now: now) == 2)
        #expect(RetryAfter.seconds(from: " 120 ", now: now) == 120)
        #expect(RetryAfter.seconds(from: "0", now: now) == 0)
        #expect(RetryAfter.seconds(from: "1.5", now: now) == 1.5)
    }

    @Test func httpDateInAllThreeForms() {
        #expect(RetryAfter.seconds(from: "Sun, 06 Nov 1994 08:49:47 GMT", now: now) == 10)
        #expect(RetryAfter.seconds(from: "Sunday, 06-Nov-94 08:49:57 GMT", now: now) == 20)
        #expect(RetryAfter.seconds(from: "Sun Nov  6 08:50:07 1994", now: now) == 30)
    }

    @Test func pastDateIsZero() {
        #expect(RetryAfter.seconds(from: "Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
    }

    @Test(arguments: [nil, "", "soon", "-5", "1e400", "Mon, 99 Foo 2024", "NaN", "12abc"])
    func garbageFallsBackToTheDefault(header: String?) {
        #expect(RetryAfter.seconds(from: header, now: now) == nil)
        var policy = RetryPolicy()
        policy.defaultRetryAfter = 1.25
        #expect(RetryAfter.pause(from: header, policy: policy, now: now) == 1.25)
    }

    @Test func pauseIsCapped() {
        let policy = RetryPolicy()
        #expect(RetryAfter.pause(from: "86400", policy: policy, now: now) == 60)
        #expect(RetryAfter.pause(from: "Mon, 07 Nov 1994 08:49:37 GMT", policy: policy, now: now) == 60)
    }
}
