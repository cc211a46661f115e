import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// `download` and `estimate` through the built binary: import → run --poll-only against the
/// simulator → download --out / estimate, with the exit codes cron relies on.
@Suite(.serialized, .bounded) struct DownloadEndToEndTests {
    @Test func downloadKeepsEveryResultOnceAndReportsFailures() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(4)
        let run = try await fixture.run(["--poll-only", "--concurrency", "4"])
        #expect(run.code == 0, "\(run.stderr)")
        let jobs = try fixture.jobs()
        let broken = jobs[3]["id"] as Int64
        // One result URL the simulator does not know: an expired link.
        let expired = fixture.simulator.origin + "/results/expired.png"
        try await DatabaseQueue(path: fixture.storePath).write { db in
            try db.execute(sql: "UPDATE jobs SET result_url = ? WHERE id = ?", arguments: [expired, broken])
        }
        let out = fixture.directory + "/results"

        let first = try await fixture.binary.run(["download", "--out", out, "--concurrency", "2"])
        #expect(first.code == 1, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout == "downloaded 3 (210 bytes), failed 1, already downloaded 0\n")
        #expect(first.stderr.contains("job \(broken): result not kept: permanent: result URL expired or gone (HTTP 404)"))
        #expect(fixture.simulator.ledger().resultDownloads == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(
            files
                == jobs.prefix(3).map {
                    "\($0["id"] as Int64)-p\(($0["url"] as String).dropFirst("https://img.example/p".count).prefix { $0 != "." }).png"
                }.sorted())

        let rows = try DatabaseQueue(path: fixture.storePath).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, download_path, download_bytes, download_sha256, downloaded_at, download_error FROM jobs ORDER BY id"
            )
        }
        for row in rows.prefix(3) {
            let path: String = row["download_path"]
            #expect(path.hasPrefix(out + "/"))
            #expect(row["download_bytes"] as Int == 70)
            #expect((row["download_sha256"] as String).count == 64)
            #expect((row["download_error"] as String?) == nil)
        }
        #expect((rows[3]["downloaded_at"] as String?) == nil)

        // Nothing left to do: exit 0, the expired one is not tried again.
        let second = try await fixture.binary.run(["download", "--out", out])
        #expect(second.code == 0, "\(second.stderr)")
        #expect(second.stdout.hasPrefix("downloaded 0 (0 bytes), failed 0, already downloaded 3\n"))
        #expect(second.stdout.contains("not retried 1"))
        #expect(fixture.simulator.ledger().resultDownloads == 3)
    }

    @Test func configurationErrorsExitTwo() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        let noStore = try await fixture.binary.run(["download", "--out", fixture.directory + "/out"])
        #expect(noStore.code == 2)
        #expect(noStore.stderr.contains("no job store at"))
        // The core says there is none; the executable says how to make or name one.
        #expect(noStore.stderr.contains("--db or UPSCALE_DB"), "\(noStore.stderr)")
        try await fixture.importJobs(1)
        let noParent = try await fixture.binary.run(["download", "--out", fixture.directory + "/missing/out"])
        #expect(noParent.code == 2)
        #expect(noParent.stderr.contains("parent directory"))
        let noBatch = try await fixture.binary.run(["download", "--out", fixture.directory + "/out", "--batch", "nope"])
        #expect(noBatch.code == 2)
        let badConcurrency = try await fixture.binary.run(["download", "--out", fixture.directory + "/out", "--concurrency", "0"])
        #expect(badConcurrency.code == 64)
    }

    @Test func estimateWithoutAndWithHistory() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3)
        let before = try await fixture.binary.run(["estimate"])
        #expect(before.code == 0, "\(before.stderr)")
        #expect(before.stdout.contains("no history yet for fast"))
        #expect(before.stdout.contains("no history yet for professional"))

        let run = try await fixture.run(["--poll-only"])
        #expect(run.code == 0, "\(run.stderr)")
        try await fixture.importJobs(5, prefix: "next")
        let after = try await fixture.binary.run(["estimate", "--format", "json"])
        #expect(after.code == 0, "\(after.stderr)")
        #expect(after.stdout.hasPrefix(#"{"pending": 5, "expected_cost": 1200, "complete": true"#), "\(after.stdout)")
        #expect(
            after.stdout.contains(#"{"mode": "fast", "pending": 5, "known_jobs": 3, "average_cost": 240, "expected_cost": 1200}"#)
        )
        let table = try await fixture.binary.run(["estimate"])
        #expect(table.stdout.contains("expected cost (credits): 1200 for 5 pending jobs"))
        #expect(table.stdout.contains("no history yet for professional"))
        #expect(!table.stdout.contains("no history yet for fast"))
    }
}
