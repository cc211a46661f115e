import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// `limits --rate 50` with three runners on one PostgreSQL store (issue 13): each runner's
/// pacer spaces its starts at its part of the rate, the parts add up to no more than the
/// store's, so no one-second window of all their starts holds more than 50 + 1 per runner.
/// Counted on the pacers' own start times (the runners' `--verbose` logs), not on a clock of
/// the test's: what the API sees can bunch further on a busy machine.
@Suite(.serialized, .bounded) struct PostgresSharedRateEndToEndTests {
    @Test func threeRunnersKeepTheStoresRateTogether() async throws {
        try await PostgresEndToEnd.withFixture("store-wide rate across runners") { config in
            config.fastDuration = 0.5
            config.latencySeconds = 0.01
        } _: { fixture, url in
            try await fixture.importJobs(300)
            let limits = try await fixture.binary.run(["limits", "--rate", "50"])
            #expect(limits.code == 0, "\(limits.stderr)")
            let arguments = ["--poll-only", "--concurrency", "8", "--lease", "3", "--verbose"]
            let runs = try (0..<3).map { _ in try fixture.startRun(arguments) }
            var starts: [[RequestStart]] = []
            for running in runs {
                let ended = await running.wait(timeout: 600)
                #expect(ended.code == 0, "\(ended.stdout)\n\(ended.stderr.suffix(3000))")
                starts.append(RequestStart.parse(ended.stderr))
            }
            try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 300)
            let all = starts.flatMap { $0 }
            #expect(all.filter { $0.call == "submit" }.count >= 300, "every submission's start is in the logs: \(all.count)")
            let busiest = RequestStart.busiestSecond(all.map(\.startedAt))
            #expect(busiest <= 53, "no one-second window of the three pacers' starts holds more than 50 + 3: \(busiest)")
            #expect(starts.allSatisfy { !$0.isEmpty }, "no runner starved: \(starts.map(\.count))")
            print(
                "[several runners] limits --rate 50, three runners: busiest second \(busiest) starts; starts \(starts.map(\.count))"
            )
        }
    }
}
