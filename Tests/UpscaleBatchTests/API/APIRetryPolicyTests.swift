import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct APIRetryPolicyTests {
    @Test func backoffCeilingDoublesAndIsCapped() {
        let policy = RetryPolicy()
        #expect(policy.backoffCeiling(retry: 1) == 0.2)
        #expect(policy.backoffCeiling(retry: 2) == 0.4)
        #expect(policy.backoffCeiling(retry: 3) == 0.8)
        #expect(policy.backoffCeiling(retry: 10) == 10)
        #expect(policy.backoffCeiling(retry: 1000) == 10)
    }

    @Test func backoffIsFullJitterWithinTheCeiling() {
        let policy = RetryPolicy()
        var random = SystemRandomNumberGenerator()
        var values: [Double] = []
        for _ in 0..<500 { values.append(policy.backoff(retry: 3, using: &random)) }
        #expect(values.allSatisfy { $0 >= 0 && $0 <= 0.8 })
        // Full jitter: values spread over the whole range, not bunched at the ceiling.
        #expect(values.contains { $0 < 0.2 })
        #expect(values.contains { $0 > 0.6 })
    }

    @Test func probeDelayGrowsAndIsCapped() {
        let policy = RetryPolicy()
        var random = SystemRandomNumberGenerator()
        let first = policy.probeDelay(failedProbes: 0, using: &random)
        #expect(first >= 0.25 && first <= 0.5)
        let late = policy.probeDelay(failedProbes: 40, using: &random)
        #expect(late >= 15 && late <= 30)
    }

    /// Withdraws `count` times at `now`, returning what the budget said each time.
    private func withdrawals(_ budget: inout RetryBudget, _ count: Int, now: Double) -> [Bool] {
        var results: [Bool] = []
        for _ in 0..<count { results.append(budget.withdraw(now: now)) }
        return results
    }

    @Test func budgetAllowsTheFloorThenOnlyAShareOfSuccesses() {
        var budget = RetryBudget(.init(ratio: 0.2, floor: 3, floorRefillPerSecond: 0, capacity: 100), now: 0)
        #expect(withdrawals(&budget, 4, now: 0) == [true, true, true, false])
        for _ in 0..<11 { budget.recordSuccess(now: 0) }
        // 11 successes at 20% (2.2 tokens) buy two retries.
        #expect(withdrawals(&budget, 3, now: 0) == [true, true, false])
    }

    @Test func budgetFloorRefillsWithTimeButNotPastTheFloor() {
        var budget = RetryBudget(.init(ratio: 0.2, floor: 2, floorRefillPerSecond: 1, capacity: 100), now: 0)
        #expect(withdrawals(&budget, 2, now: 0) == [true, true])
        #expect(withdrawals(&budget, 1, now: 0.5) == [false])
        #expect(withdrawals(&budget, 1, now: 1.6) == [true])
        _ = withdrawals(&budget, 1, now: 1000)
        #expect(budget.tokens <= 2)
    }

    @Test func budgetIsCapped() {
        var budget = RetryBudget(.init(ratio: 1, floor: 1, floorRefillPerSecond: 0, capacity: 5), now: 0)
        for _ in 0..<100 { budget.recordSuccess(now: 0) }
        #expect(budget.tokens == 5)
    }
}
