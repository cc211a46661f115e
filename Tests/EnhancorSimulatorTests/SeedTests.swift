import EnhancorSimulator
import TestSupport
import Testing

/// A seed replays the same randomness: ids, outcomes and faults.
@Suite(.bounded) struct SeedTests {
    /// The request ids and final-outcome plan of `count` submissions under `seed`.
    private func submissions(seed: UInt64, count: Int = 6) async throws -> [String] {
        var ids: [String] = []
        try await withSimulator({
            $0.seed = seed
            $0.failureRate = 0.5
            $0.fastDuration = 60
        }) { sim in
            for index in 0..<count {
                let queued = try await sim.queue(imageURL: "https://img.example/\(index).jpg")
                ids.append(try #require(queued.string("requestId")))
            }
        }
        return ids
    }

    @Test func theSameSeedGivesTheSameRequestIDs() async throws {
        let first = try await submissions(seed: 7)
        let again = try await submissions(seed: 7)
        let other = try await submissions(seed: 8)
        #expect(first == again)
        #expect(first != other)
        #expect(Set(first).count == first.count)
    }
}
