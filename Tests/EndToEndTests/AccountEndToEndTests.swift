import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// One account per store: a run whose key or base URL differs from the one the store's jobs in
/// flight were submitted with exits 2 before it sends anything, instead of polling them into
/// 401s or 404s; the same account goes on as usual.
@Suite(.serialized, .bounded) struct AccountEndToEndTests {
    @Test func aRunWithAnotherKeyOrBaseURLLeavesTheJobsInFlightAlone() async throws {
        let fixture = try await EndToEndFixture { $0.fastDuration = 3600 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3)
        // The first run is stopped once it has submitted every job (an ordering: a fixed
        // --max-wait of 2 s was too short on a busy machine).
        let running = try fixture.startRun(["--poll-only"])
        try await waitUntil("the first run to submit every job", timeout: 120, every: .milliseconds(50)) {
            let submitted = (try? fixture.jobs().compactMap { $0["request_id"] as String? }.count) ?? 0
            return !running.process.isRunning || submitted == 3
        }
        running.process.signal(SIGTERM)
        let first = await running.wait(timeout: 60)
        #expect(first.code == 75, "jobs left in flight: \(first.stderr)")
        #expect(try fixture.jobs().allSatisfy { ($0["request_id"] as String?) != nil })
        let requestsBefore = fixture.simulator.ledger().totalRequests

        let otherKey = try await fixture.binary.run(
            fixture.runArguments(["--poll-only", "--max-wait", "2"]), environment: ["ENHANCOR_API_KEY": "another-key"])
        #expect(otherKey.code == 2, "\(otherKey.stderr)")
        #expect(otherKey.stderr.contains("submitted with another API key or base URL"), "\(otherKey.stderr)")
        #expect(!otherKey.stderr.contains("another-key") && !otherKey.stdout.contains("another-key"), "the key is never shown")

        let otherAPI = try RefusingPort()
        let otherBase = try await fixture.binary.run(
            ["run", "--base-url", "http://127.0.0.1:\(otherAPI.port)/api/upscaler/v1", "--poll-only", "--max-wait", "2"],
            environment: fixture.apiEnvironment)
        #expect(otherBase.code == 2, "\(otherBase.stderr)")
        #expect(otherBase.stderr.contains("submitted with another API key or base URL"), "\(otherBase.stderr)")
        #expect(fixture.simulator.ledger().totalRequests == requestsBefore, "neither refused run sent a request")

        let sameAccount = try await fixture.run(["--poll-only", "--max-wait", "2"])
        #expect(sameAccount.code == 75, "the same key and base URL poll on: \(sameAccount.stderr)")
        #expect(fixture.simulator.ledger().totalRequests > requestsBefore)
        let stored = try await DatabaseQueue(path: fixture.storePath).read { db in
            try String.fetchAll(db, sql: "SELECT account FROM jobs UNION SELECT value FROM meta")
        }
        #expect(stored.allSatisfy { !$0.contains("sim-key") }, "the store holds a fingerprint, never the key")
    }
}
