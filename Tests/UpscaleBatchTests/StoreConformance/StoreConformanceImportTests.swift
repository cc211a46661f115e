import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// Import, list and batches, through the contract, on every engine.
@Suite(.bounded) struct StoreConformanceImportTests {
    @Test(arguments: StoreEngine.allCases) func importCountsDuplicatesAndKeepsFileOrder(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            let first = try await store.importURLs(
                ["https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/1.jpg", "https://x.test/3.jpg"])
            #expect(first == ImportedRows(inserted: 3, duplicates: 1))
            // The same URL in the other mode is another job; in the same mode a duplicate.
            let second = try await store.importURLs(
                ["https://x.test/1.jpg", "https://x.test/4.jpg"], batch: "night", mode: .professional)
            #expect(second == ImportedRows(inserted: 2, duplicates: 0))
            let third = try await store.importURLs(["https://x.test/2.jpg", "https://x.test/5.jpg"], batch: "day")
            #expect(third == ImportedRows(inserted: 1, duplicates: 1))

            let jobs = try await store.allJobs()
            #expect(
                jobs.map(\.url) == [
                    "https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/3.jpg", "https://x.test/1.jpg",
                    "https://x.test/4.jpg", "https://x.test/5.jpg",
                ])
            #expect(jobs.map(\.id) == jobs.map(\.id).sorted())
            #expect(jobs.map(\.batch) == ["night", "night", "night", "night", "night", "day"])
            #expect(jobs.allSatisfy { $0.state == .pending && $0.requestID == nil && $0.attempts == 0 })
            #expect(try await store.batchExists("night"))
            #expect(try await store.batchExists("day"))
            #expect(try await !store.batchExists("never"))
        }
    }

    @Test(arguments: StoreEngine.allCases) func aBatchThatReceivedNoJobIsNotKept(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            try await harness.store.importURLs(["https://x.test/a.jpg"])
            let again = try await harness.store.importURLs(["https://x.test/a.jpg"], batch: "only-duplicates")
            #expect(again == ImportedRows(inserted: 0, duplicates: 1))
            #expect(try await !harness.store.batchExists("only-duplicates"))
        }
    }

    @Test(arguments: StoreEngine.allCases) func aFailingSourceStoresNothingAndItsErrorComesOutUnchanged(
        _ engine: StoreEngine
    ) async throws {
        try await EngineStore.with(engine) { harness in
            await #expect(throws: FailingRowSource.Broken.self) {
                try await harness.store.importJobs(
                    batchName: "broken", sourceFile: "broken.csv", timestamp: "2026-11-25T03:00:00.000Z",
                    rows: FailingRowSource())
            }
            let jobs = try await harness.store.allJobs()
            let batchKept = try await harness.store.batchExists("broken")
            #expect(jobs.isEmpty)
            #expect(!batchKept)
        }
    }

    @Test(arguments: StoreEngine.allCases) func urlsWithCharactersCopyEscapesSurviveUnchanged(_ engine: StoreEngine) async throws
    {
        try await EngineStore.with(engine) { harness in
            let odd = ["https://x.test/a\\b.jpg", "https://x.test/ünïcode.jpg?q=1&r=\\N"]
            try await harness.store.importURLs(odd)
            #expect(try await harness.store.allJobs().map(\.url) == odd)
        }
    }

    @Test(arguments: StoreEngine.allCases) func listFiltersByStateBatchAndLimit(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            try await store.importURLs((1...5).map { "https://x.test/n\($0).jpg" })
            try await store.importURLs((1...3).map { "https://x.test/d\($0).jpg" }, batch: "day")
            let run = testRun()
            _ = try await store.beginRun(run, batch: nil)
            let first = try await store.allJobs()[0]
            try await store.submit(first.id, runID: run.runID, requestID: "req-1")
            try await store.answer(first.id, requestID: "req-1", state: .completed, cost: 120, resultURL: "https://r/1")

            #expect(try await store.allJobs(JobFilter(batch: "day")).count == 3)
            #expect(try await store.allJobs(JobFilter(state: .completed)).map(\.id) == [first.id])
            #expect(try await store.allJobs(JobFilter(limit: 2)).count == 2)
            #expect(try await store.allJobs(JobFilter(state: .pending, batch: "night", limit: 10)).count == 4)
            let job = try await store.job(id: first.id)
            #expect(job?.state == .completed)
            #expect(job?.cost == 120)
            #expect(job?.resultURL == "https://r/1")
            #expect(job?.requestID == "req-1")
            #expect(job?.attempts == 1)
            #expect(try await store.job(id: 999_999) == nil)
        }
    }

    @Test(arguments: StoreEngine.allCases) func forEachJobStopsWithTheBodysErrorUnchanged(_ engine: StoreEngine) async throws {
        struct Enough: Error {}
        try await EngineStore.with(engine) { harness in
            try await harness.store.importURLs((1...20).map { "https://x.test/\($0).jpg" })
            await #expect(throws: Enough.self) {
                try await harness.store.forEachJob(JobFilter()) { job in
                    if job.url.hasSuffix("/3.jpg") { throw Enough() }
                }
            }
        }
    }
}
