import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// `copy-store --to DEST` through the built binary: a store left with jobs in flight and in
/// doubt by a killed run is copied (to PostgreSQL, or to a new SQLite file), and a `run` on
/// the copy finishes every job without submitting again anything that was in flight.
@Suite(.serialized, .bounded) struct CopyStoreEndToEndTests {
    enum Destination: String, CaseIterable, Sendable {
        case sqlite, postgres
    }

    @Test(arguments: Destination.allCases) func aRunOnTheCopyResubmitsNothingThatWasInFlight(
        _ destination: Destination
    ) async throws {
        let fixture = try await EndToEndFixture { config in
            config.fastDuration = 2
            config.latencySeconds = 0.02
        }
        defer { Task { await fixture.shutdown() } }
        let target: String
        var database: TestPostgres.Database?
        switch destination {
        case .sqlite:
            target = fixture.directory + "/copy.sqlite3"
        case .postgres:
            switch TestPostgres.availability {
            case .skipped(let message):
                print("*** copy-store to PostgreSQL end-to-end \(message) ***")
                return
            case .missingInCI(let message):
                Issue.record(Comment(rawValue: message))
                return
            case .available(let server):
                database = try await TestPostgres.freshDatabase(serverURL: server)
                target = database!.url
            }
        }
        defer { if let database { Task { await database.drop() } } }
        try await fixture.importJobs(60)

        // A run in progress holds the store: the copy waits for another time (75).
        let running = try fixture.startRun(["--poll-only", "--concurrency", "4"])
        try await waitUntil("the run to submit some jobs", timeout: 120) {
            try fixture.jobs().filter { ($0["request_id"] as String?) != nil }.count >= 6
        }
        let refused = try await fixture.binary.run(["copy-store", "--to", target])
        #expect(refused.code == 75, "\(refused.stdout)\n\(refused.stderr)")
        #expect(refused.stderr.contains("a run is working on"), "\(refused.stderr)")
        running.signal(SIGKILL)
        #expect(await running.wait().code == 128 + SIGKILL, "the run was still going when it was killed")
        if destination == .sqlite {
            #expect(!FileManager.default.fileExists(atPath: target), "a refused copy leaves no file")
        }

        let before = try fixture.jobs()
        let inFlight = before.filter { ($0["request_id"] as String?) != nil && $0["state"] as String != "COMPLETED" }
        let submittedBefore = before.filter { ($0["request_id"] as String?) != nil }
        let inDoubt = before.filter { $0["submitting"] as Bool }
        print("[copy-store → \(destination)] copied with \(inFlight.count) in flight, \(inDoubt.count) in doubt")

        let copied = try await fixture.binary.run(["copy-store", "--to", target])
        #expect(copied.code == 0, "\(copied.stdout)\n\(copied.stderr)")
        #expect(copied.stdout.contains("60 jobs"), "\(copied.stdout)")
        // DEST exists now: a second copy is refused (2) and changes nothing.
        let again = try await fixture.binary.run(["copy-store", "--to", target])
        #expect(again.code == 2, "\(again.stdout)\n\(again.stderr)")

        // The copy lists what the source lists.
        let sourceList = try await fixture.binary.run(["list", "--format", "json"])
        let copyList = try await fixture.binary.run(["list", "--format", "json", "--db", target])
        #expect(copyList.code == 0, "\(copyList.stderr)")
        #expect(copyList.stdout == sourceList.stdout)

        // A run on the copy finishes everything; nothing that had a request id is sent again.
        let ledgerBefore = fixture.simulator.ledger().submissionsByURL
        let final = try await fixture.binary.run(
            fixture.runArguments(["--poll-only", "--concurrency", "8", "--db", target]), environment: fixture.apiEnvironment,
            timeout: 240)
        #expect(final.code == 0, "\(final.stdout)\n\(final.stderr.suffix(4000))")
        let ledger = fixture.simulator.ledger()
        for job in submittedBefore {
            let url = job["url"] as String
            #expect(ledger.submissionsByURL[url] == ledgerBefore[url], "\(url) had a request id and was submitted again")
        }
        let listed = try await fixture.binary.run(["list", "--format", "json", "--db", target])
        let jobs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(jobs.count == 60)
        #expect(jobs.allSatisfy { $0["state"] as? String == "COMPLETED" }, "every job ended on the copy")
        for job in jobs {
            let requestID = try #require(job["request_id"] as? String)
            #expect(job["cost"] as? Int == ledger.costByRequestID[requestID], "the cost is the one the API quoted")
        }
        for job in submittedBefore {
            let copiedJob = jobs.first { $0["url"] as? String == job["url"] as String }
            #expect(copiedJob?["request_id"] as? String == job["request_id"] as String?, "the request id was kept")
        }
        // Only submissions that were in doubt may have been sent twice, and they are flagged.
        for job in jobs where (ledger.submissionsByURL[job["url"] as? String ?? ""] ?? 0) > 1 {
            #expect(job["possible_duplicate"] as? Bool == true, "\(job["url"] ?? "") was sent twice without a flag")
        }
        // The source is as the copy found it.
        #expect(try fixture.jobs() == before)
    }
}
