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

/// What the first suite leaves out: quotes for jobs this run did not submit, a cap already
/// spent, a withdrawn probe.
@Suite(.bounded) struct SpendGuardEdgeTests {
    @Test func aQuoteForAJobThisRunDidNotSubmitIsIgnored() {
        var spend = SpendGuard(cap: 1000, history: [:])
        spend.quoted(job: 42, cost: 900)
        #expect(spend.quoted == 0)
        #expect(spend.expectedCost(.fast) == nil)
    }

    @Test func anUnknownModeIsNotProbedOnceTheCapIsSpent() {
        var spend = SpendGuard(cap: 100, history: [.fast: .init(total: 100, count: 1)])
        spend.submitted(job: 1, mode: .fast)
        spend.quoted(job: 1, cost: 100)
        #expect(spend.decide(.professional) == .capReached)
        #expect(spend.decide(.fast) == .capReached)
    }

    @Test func aWithdrawnProbeLetsAnotherProbeGo() {
        var spend = SpendGuard(cap: 1000, history: [:])
        spend.submitted(job: 1, mode: .professional)
        #expect(spend.decide(.professional) == .waitForQuote)
        spend.withdrawn(job: 1)
        #expect(spend.decide(.professional) == .submit)
    }

    @Test func pendingJobsOfAnotherModeCountAtTheirOwnExpectedCost() {
        var spend = SpendGuard(
            cap: 1000, history: [.fast: .init(total: 200, count: 2), .professional: .init(total: 800, count: 1)])
        spend.submitted(job: 1, mode: .professional)
        // 800 expected for the professional job + 100 for a fast one fits; a second fast would too.
        #expect(spend.decide(.fast) == .submit)
        spend.submitted(job: 2, mode: .fast)
        #expect(spend.decide(.fast) == .submit)
        spend.submitted(job: 3, mode: .fast)
        #expect(spend.decide(.fast) == .capReached, "800 + 100 + 100 + 100 > 1000")
    }
}
