import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Two processes on one store (two handles, as two hosts would have), through the contract, on
/// every engine: a claim has one winner, polls are never claimed twice, a webhook delivered to
/// two receivers at once is recorded once.
@Suite(.bounded) struct StoreConformanceConcurrencyTests {
    @Test(arguments: StoreEngine.allCases) func racingSubmissionClaimsHaveOneWinner(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let first = harness.store
            let second = try await harness.reopen()
            try await first.importURLs((1...30).map { "https://x.test/\($0).jpg" })
            let runA = testRun("run-a")
            let runB = testRun("run-b")
            _ = try await first.beginRun(runA, batch: nil)
            _ = try await second.beginRun(runB, batch: nil)
            let ids = try await first.allJobs().map(\.id)
            let wins = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for (store, run) in [(first, runA), (second, runB)] {
                    group.addTask {
                        var won: [Int64] = []
                        for id in ids {
                            let result = try await store.claimSubmission(
                                jobID: id, runID: run.runID, webhookOfOurs: false, doubtWait: 0, account: nil)
                            if case .claimed = result { won.append(id) }
                        }
                        return won
                    }
                }
                var all: [Int64] = []
                for try await won in group { all += won }
                return all
            }
            #expect(wins.sorted() == ids, "every job claimed exactly once")
        }
    }

    @Test(arguments: StoreEngine.allCases) func concurrentPollClaimsAreDisjoint(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let first = harness.store
            let second = try await harness.reopen()
            try await first.importURLs((1...40).map { "https://x.test/\($0).jpg" })
            let run = testRun()
            _ = try await first.beginRun(run, batch: nil)
            let ids = try await first.allJobs().map(\.id)
            for id in ids { try await first.submit(id, runID: run.runID, requestID: "req-\(id)") }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for store in [first, second] {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await store.claimDuePolls(limit: 3, batch: nil, runID: "run-test")
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.jobID)
                        }
                    }
                }
                var all: [Int64] = []
                for try await mine in group { all += mine }
                return all
            }
            #expect(claimed.sorted() == ids, "every due poll claimed exactly once")
        }
    }

    @Test(arguments: StoreEngine.allCases) func aWebhookDeliveredToTwoReceiversAtOnceIsRecordedOnce(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            let first = harness.store
            let second = try await harness.reopen()
            try await first.importURLs((1...15).map { "https://x.test/\($0).jpg" })
            let run = testRun()
            _ = try await first.beginRun(run, batch: nil)
            let ids = try await first.allJobs().map(\.id)
            for id in ids { try await first.submit(id, runID: run.runID, requestID: "req-\(id)") }
            let outcomes = try await withThrowingTaskGroup(of: [WebhookOutcome].self) { group in
                for store in [first, second] {
                    group.addTask {
                        var seen: [WebhookOutcome] = []
                        for id in ids {
                            seen.append(
                                try await store.recordWebhook(
                                    jobID: id, requestID: "req-\(id)", status: "success", resultURL: "https://r/\(id)",
                                    busyTimeout: 30))
                        }
                        return seen
                    }
                }
                var all: [WebhookOutcome] = []
                for try await seen in group { all += seen }
                return all
            }
            for id in ids {
                #expect(outcomes.filter { $0 == .completed(jobID: id) }.count == 1, "job \(id): \(outcomes)")
                #expect(outcomes.filter { $0 == .alreadyRecorded(jobID: id) }.count == 1)
            }
            #expect(try await first.allJobs().allSatisfy { $0.state == .completed })
        }
    }
}
