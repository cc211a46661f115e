import TestSupport
import Testing

@testable import UpscaleBatch

/// How the store-wide limits are spread over runners: fair shares by water-filling, and grants
/// that never let what the runners hold pass the limit.
@Suite(.bounded) struct LimitSharesTests {
    @Test func equalDemandsSplitTheLimitWithTheRemainderToTheFirst() {
        #expect(LimitShares.fair(limit: 8, demands: ["a": 8, "b": 8, "c": 8]) == ["a": 3, "b": 3, "c": 2])
        #expect(LimitShares.fair(limit: 64, demands: ["a": 64]) == ["a": 64])
    }

    @Test func aRunnerThatNeedsLessLeavesTheRestToTheOthers() {
        #expect(LimitShares.fair(limit: 8, demands: ["a": 1, "b": 8, "c": 8]) == ["a": 1, "b": 4, "c": 3])
        #expect(LimitShares.fair(limit: 8, demands: ["a": 0, "b": 2]) == ["a": 0, "b": 2])
        #expect(LimitShares.fair(limit: 50.0, demands: ["a": 10, "b": 100]) == ["a": 10, "b": 40])
    }

    @Test func sharesNeverAddUpToMoreThanTheLimit() {
        for limit in 1...20 {
            for demands in [[3, 5, 7], [1, 1, 30], [20, 20], [0, 9, 2, 4]] {
                let named = Dictionary(uniqueKeysWithValues: demands.enumerated().map { ("r\($0.offset)", $0.element) })
                let shares = LimitShares.fair(limit: limit, demands: named)
                #expect(shares.values.reduce(0, +) <= limit)
                #expect(shares.allSatisfy { $0.value <= named[$0.key, default: 0] }, "never more than asked")
            }
        }
    }

    /// A runner that joins while the others hold the whole limit gets nothing until they have
    /// given their part back; then it grows to its share.
    @Test func aGrantIsTheShareWithinWhatTheOthersHold() {
        #expect(LimitShares.grant(fair: 4, limit: 8, heldByOthers: 8) == 0)
        #expect(LimitShares.grant(fair: 4, limit: 8, heldByOthers: 5) == 3)
        #expect(LimitShares.grant(fair: 4, limit: 8, heldByOthers: 4) == 4)
        #expect(LimitShares.grant(fair: 25.0, limit: 50, heldByOthers: 50) == 0)
    }
}
