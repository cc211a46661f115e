import Foundation
import TestSupport
import Testing

@testable import EnhancorSimulator
@testable import UpscaleBatch

/// Real downloads of real results: jobs submitted to the in-process simulator and polled to
/// COMPLETED, then kept by the downloader, checked against the simulator's own ledger.
@Suite("Result downloads from the simulator", .bounded)
struct SimulatorDownloadTests {
    typealias Support = ResultTestSupport

    /// Jobs that finish almost at once, so a test's downloads need not wait.
    static func quickJobs(_ configuration: inout SimulatorConfiguration) {
        configuration.fastDuration = 0.05
        configuration.durationJitter = 0
    }

    /// Submits `count` jobs, polls them to COMPLETED and stages them in `store`; returns their ids.
    func completedJobs(_ count: Int, client: EnhancorHTTPClient, store: SQLiteJobStore) async throws -> [Int64] {
        var ids: [Int64] = []
        for index in 0..<count {
            let source = "https://img.example/portrait-\(index).jpg"
            let requestID = try await client.submit(imageURL: source, webhookURL: APISimulatorHarness.webhookURL, mode: .fast)
            var answer = try await client.status(requestID: requestID)
            try await waitUntil("job \(requestID) to complete") {
                if answer.state != .completed { answer = try await client.status(requestID: requestID) }
                return answer.state == .completed
            }
            let result = try #require(answer.resultURL)
            ids.append(
                try Support.stageCompleted(
                    store, sourceURL: source, resultURL: result, requestID: requestID, cost: answer.cost ?? 0))
        }
        return ids
    }

    @Test("downloads match what the simulator serves, once each")
    func downloadPass() async throws {
        try await APISimulatorHarness.with(simulator: Self.quickJobs) { client, server in
            let temporary = TemporaryDirectory()
            let store = try StoreFixtures.makeStore(in: temporary)
            let out = temporary.file("results")
            let ids = try await completedJobs(5, client: client, store: store)

            let first = try await Support.pass(store, out)
            #expect(first.downloaded == 5 && first.failed == 0 && first.skipped == 0)
            #expect(first.bytes == Int64(5 * ResultImage.png.count))
            #expect(server.ledger().resultDownloads == 5)
            for (index, id) in ids.enumerated() {
                let columns = try Support.columns(store, id)
                let path = out + "/\(id)-portrait-\(index).png"
                #expect(columns.path == path)
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(ResultImage.png))
                #expect(try await columns.sha256 == Support.sha256sum(path))
                #expect(columns.bytes == Int64(ResultImage.png.count))
            }

            let second = try await Support.pass(store, out)
            #expect(second.downloaded == 0 && second.skipped == 5)
            #expect(second.line == "downloaded 0 (0 bytes), failed 0, already downloaded 5")
            #expect(server.ledger().resultDownloads == 5)
        }
    }

    @Test("the runner's entry point: enqueue from many tasks, each result fetched once")
    func enqueueAndFinish() async throws {
        try await APISimulatorHarness.with(simulator: Self.quickJobs) { client, server in
            let temporary = TemporaryDirectory()
            let store = try StoreFixtures.makeStore(in: temporary)
            let ids = try await completedJobs(6, client: client, store: store)
            let notReady = try await StoreFixtures.insertJobs(store, count: 1)[0]
            let downloader = try Support.downloader(store, temporary.file("out"), concurrency: 2)
            await withTaskGroup(of: Void.self) { group in
                for id in ids + ids + [notReady] {
                    group.addTask { downloader.enqueue(jobID: id) }
                }
            }
            let summary = await downloader.finish(sweep: false)
            #expect(summary.downloaded == 6 && summary.failed == 0)
            #expect(summary.downloaded + summary.skipped <= 12)
            #expect(server.ledger().resultDownloads == 6)
            downloader.enqueue(jobID: ids[0])  // after finish: ignored
            #expect(try await store.pendingDownloads(batch: nil, afterID: 0, limit: 10).isEmpty)
        }
    }

    @Test("finish sweeps what the queue never saw")
    func finishSweeps() async throws {
        try await APISimulatorHarness.with(simulator: Self.quickJobs) { client, server in
            let temporary = TemporaryDirectory()
            let store = try StoreFixtures.makeStore(in: temporary)
            let ids = try await completedJobs(3, client: client, store: store)
            let downloader = try Support.downloader(store, temporary.file("out"))
            downloader.enqueue(jobID: ids[0])
            let summary = await downloader.finish()
            #expect(summary.downloaded == 3 && summary.storeError == nil)
            #expect(server.ledger().resultDownloads == 3)
        }
    }
}
