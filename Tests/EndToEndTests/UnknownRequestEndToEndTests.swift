import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// Issue 14, point 2: request ids the API does not know (404 to their polls) end, instead of
/// being polled until --max-wait; a wrong --base-url (every poll 404) fails nothing.
@Suite(.serialized, .bounded) struct UnknownRequestEndToEndTests {
    /// Leaves `count` jobs in flight: a first run stopped with SIGTERM once it has submitted
    /// them all (an ordering: a fixed --max-wait was too short on a busy machine).
    private func jobsInFlight(_ fixture: EndToEndFixture, _ count: Int) async throws -> [String] {
        try await fixture.importJobs(count)
        let running = try fixture.startRun(["--poll-only"])
        try await waitUntil("the first run to submit every job", timeout: 120, every: .milliseconds(50)) {
            let submitted = (try? fixture.jobs().compactMap { $0["request_id"] as String? }.count) ?? 0
            return !running.process.isRunning || submitted == count
        }
        running.process.signal(SIGTERM)
        let first = await running.wait(timeout: 60)
        #expect(first.code == 75, "\(first.stdout)\n\(first.stderr)")
        let ids = try fixture.jobs().compactMap { $0["request_id"] as String? }
        #expect(ids.count == count, "every job was submitted by the first run")
        return ids
    }

    @Test func requestsTheAPIForgotEndFailedWhileOthersComplete() async throws {
        // Long enough that no job completes before the first run is stopped and its requests
        // forgotten, on a busy machine too (6 s was not, with every core busy and a build beside).
        let fixture = try await EndToEndFixture { config in config.fastDuration = 20 }
        defer { Task { await fixture.shutdown() } }
        let ids = try await jobsInFlight(fixture, 6)
        fixture.simulator.forget(requestIDs: Array(ids.prefix(2)))
        let result = try await fixture.run([
            "--poll-only", "--unknown-request-after", "1", "--poll-interval", "0.3", "--max-wait", "90",
        ])
        #expect(result.code == 1, "\(result.stdout)\n\(result.stderr)")
        let jobs = try fixture.jobs()
        for job in jobs {
            let requestID = job["request_id"] as String
            if ids.prefix(2).contains(requestID) {
                #expect(job["state"] as String == "FAILED")
                #expect(job["error"] as String? == "the API does not know request id \(requestID)")
            } else {
                #expect(job["state"] as String == "COMPLETED")
            }
        }
        #expect(result.stdout.contains("unknown to the API: 2 job(s) FAILED"), "\(result.stdout)")
        // Final now: the next run polls none of them again.
        let before = fixture.simulator.ledger().requests["status"]?.values.reduce(0, +) ?? 0
        let again = try await fixture.run(["--poll-only", "--max-wait", "60"])
        #expect(again.code == 0, "\(again.stderr)")
        #expect((fixture.simulator.ledger().requests["status"]?.values.reduce(0, +) ?? 0) == before)
    }

    @Test func aBaseURLWhoseEveryPollIs404StopsWithExit2AndFailsNothing() async throws {
        let fixture = try await EndToEndFixture { config in config.fastDuration = 30 }
        defer { Task { await fixture.shutdown() } }
        _ = try await jobsInFlight(fixture, 6)
        // An API that knows none of these request ids. (Another base URL is refused before any
        // poll: the store's jobs in flight were submitted to this one, AccountEndToEndTests.)
        fixture.simulator.forget(requestIDs: nil)
        let statusBefore = fixture.simulator.ledger().count("status", "404")
        let result = try await fixture.binary.run(
            [
                "run", "--base-url", fixture.simulator.baseURL, "--poll-only", "--poll-interval", "0.3",
                "--unknown-request-after", "0.1", "--max-wait", "90",
            ],
            environment: fixture.apiEnvironment)
        #expect(result.code == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("the API answers 404 to every status poll: check --base-url"), "\(result.stderr)")
        #expect(try fixture.jobs().allSatisfy { $0["state"] as String != "FAILED" }, "nothing was failed")
        #expect(fixture.simulator.ledger().count("status", "404") - statusBefore >= 20)
    }
}

extension UnknownRequestEndToEndTests {
    /// Final jobs still owed their cost whose requests the API no longer knows (expired): one
    /// poll each (404), and the run ends, exit 0. They used to be polled until --max-wait,
    /// keeping a run with nothing in scope alive; and 25 such polls, all 404, must not be taken
    /// for a wrong --base-url either.
    @Test func finalJobsTheAPIForgotDoNotKeepARunGoing() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(25)
        let first = try await fixture.run(["--poll-only", "--concurrency", "16"])
        #expect(first.code == 0, "\(first.stderr)")
        // As jobs a webhook finished before their first poll: final, their cost still unknown.
        try await DatabaseQueue(path: fixture.storePath).write { db in
            try db.execute(sql: "UPDATE jobs SET cost = NULL, next_poll_at = NULL")
        }
        fixture.simulator.forget(requestIDs: nil)
        let before = fixture.simulator.ledger().count("status", "404")
        let result = try await fixture.run(["--poll-only", "--max-wait", "60"])
        #expect(result.code == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(fixture.simulator.ledger().count("status", "404") == before + 25, "one cost poll each, no more")
        #expect(try fixture.jobs().allSatisfy { $0["state"] as String == "COMPLETED" })
    }
}
