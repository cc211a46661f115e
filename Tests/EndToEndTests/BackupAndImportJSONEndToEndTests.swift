import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// `backup DEST` (SQLite's online backup, checked) and `import --format json`, the two
/// machine-facing commands nightly.sh relies on.
@Suite(.serialized, .bounded) struct BackupAndImportJSONEndToEndTests {
    @Test func backupWhileARunWritesIsAConsistentCheckedStoreAndNeverOverwrites() async throws {
        let fixture = try await EndToEndFixture { config in config.fastDuration = 2 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(40)
        let run = try fixture.startRun(["--poll-only", "--concurrency", "4"])
        let copies = (1...3).map { fixture.directory + "/backup-\($0).sqlite3" }
        for copy in copies {
            let result = try await fixture.binary.run(["backup", copy])
            #expect(result.code == 0, "\(result.stderr)")
            #expect(result.stdout.contains("40 jobs") && result.stdout.contains("integrity ok"), "\(result.stdout)")
        }
        #expect(await run.wait(timeout: 180).code == 0)

        for copy in copies {
            // One self-contained file: no -wal beside it, rollback journal, a job store the
            // commands open as it is.
            #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
            let (mode, check, jobs) = try await DatabaseQueue(path: copy).read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs")
                )
            }
            #expect(mode == "delete" && check == "ok" && jobs == 40)
            let status = try await fixture.binary.run(["status", "--db", copy, "--format", "json"])
            #expect(status.code == 0, "\(status.stderr)")
        }

        // DEST exists: exit 2, and the file is left as it was.
        try "not a store\n".write(toFile: fixture.directory + "/taken", atomically: true, encoding: .utf8)
        let taken = try await fixture.binary.run(["backup", fixture.directory + "/taken"])
        #expect(taken.code == 2 && taken.stderr.contains("already exists"), "\(taken)")
        #expect(try String(contentsOfFile: fixture.directory + "/taken", encoding: .utf8) == "not a store\n")
        let noDirectory = try await fixture.binary.run(["backup", fixture.directory + "/missing/copy.sqlite3"])
        #expect(noDirectory.code == 2, "\(noDirectory)")
        let noStore = try await fixture.binary.run([
            "backup", "--db", fixture.directory + "/none.sqlite3", fixture.directory + "/x",
        ])
        #expect(noStore.code == 2 && noStore.stderr.contains("no job store"), "\(noStore)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).filter { $0.contains(".backup.") }
        #expect(leftovers.isEmpty, "no temporary copy left behind: \(leftovers)")
    }

    @Test func importJSONCountsOnStandardOutputAndRejectionsOnStandardError() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        let csv = fixture.directory + "/night.csv"
        try "url,mode\nhttps://a.example/1.jpg,fast\nnot a url,fast\nhttps://a.example/1.jpg,fast\nhttps://a.example/2.jpg,slow\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let batch = #"night "one" \ two"#
        let result = try await fixture.binary.run(["import", csv, "--batch", batch, "--format", "json"])
        #expect(result.code == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["imported"] as? Int == 1)
        #expect(object["skipped"] as? Int == 1)
        #expect(object["rejected"] as? Int == 2)
        #expect(object["batch"] as? String == batch)
        #expect(result.stderr.contains("night.csv:3:") && result.stderr.contains("night.csv:5:"), "\(result.stderr)")

        let defaulted = try await fixture.binary.run(["import", csv, "--format", "json"])
        let named = try JSONSerialization.jsonObject(with: Data(defaulted.stdout.utf8)) as? [String: Any]
        #expect(
            (named?["batch"] as? String)?.range(of: #"^night\.csv@\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil,
            "the default batch name: \(defaulted.stdout)")
        #expect(named?["imported"] as? Int == 0 && named?["skipped"] as? Int == 2)
    }
}
