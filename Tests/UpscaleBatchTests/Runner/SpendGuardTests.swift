import TestSupport
import Testing

@testable import UpscaleBatch

/// `--max-spend`: expected costs from history, a probe job per unknown mode, the cap.
@Suite(.bounded) struct SpendGuardTests {
    @Test func withHistoryJobsGoOutWhileTheExpectedSpendFits() {
        var spend = SpendGuard(cap: 500, history: [.fast: .init(total: 480, count: 2)])
        #expect(spend.decide(.fast) == .submit)
        spend.submitted(job: 1, mode: .fast)
        #expect(spend.decide(.fast) == .submit)
        spend.submitted(job: 2, mode: .fast)
        // 240 + 240 expected, a third would make 720 > 500.
        #expect(spend.decide(.fast) == .capReached)
        spend.withdrawn(job: 2)
        #expect(spend.decide(.fast) == .submit)
    }

    @Test func anUnknownModeSendsOneProbeAndWaitsForItsQuote() {
        var spend = SpendGuard(cap: 1000, history: [:])
        #expect(spend.decide(.professional) == .submit)
        spend.submitted(job: 1, mode: .professional)
        #expect(spend.decide(.professional) == .waitForQuote)
        spend.quoted(job: 1, cost: 480)
        #expect(spend.quoted == 480)
        #expect(spend.expectedCost(.professional) == 480)
        #expect(spend.decide(.professional) == .submit)
        spend.submitted(job: 2, mode: .professional)
        #expect(spend.decide(.professional) == .capReached)
    }

    @Test func expectedCostsRoundUpAndQuotesCountOnce() {
        var spend = SpendGuard(cap: 10_000, history: [.fast: .init(total: 481, count: 2)])
        #expect(spend.expectedCost(.fast) == 241)
        spend.submitted(job: 7, mode: .fast)
        spend.quoted(job: 7, cost: 240)
        spend.quoted(job: 7, cost: 240)
        #expect(spend.quoted == 240)
    }
}
