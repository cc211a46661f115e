import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

/// `upscale-batch import` end to end: the built binary's exit codes, standard output and
/// standard error.
@Suite("import command", .bounded)
struct ImportCommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary in `directory` with `UPSCALE_DB` unset.
    func run(_ arguments: [String], in directory: TemporaryDirectory, stdin: String? = nil) async throws -> Outcome {
        var runner = BinaryRunner(directory: directory.path)
        runner.environment["UPSCALE_DB"] = nil
        let result = try await runner.run(arguments, stdin: stdin ?? "")
        return Outcome(status: result.code, stdout: result.stdout, stderr: result.stderr)
    }

    @Test("exit 0 with rejected rows; FILE:LINE: reason on stderr; the summary on stdout")
    func summaryAndRejections() async throws {
        let directory = TemporaryDirectory()
        _ = try ImportTestSupport.write(
            "url,mode\nhttps://img.example/1.jpg,fast\nhttps://img.example/2.jpg,professional\nnot a url,fast\n"
                + "https://img.example/3.jpg,ultra\nhttps://img.example/1.jpg,fast\n", to: directory, name: "a.csv")
        let outcome = try await run(["import", "a.csv", "--db", "s.sqlite3"], in: directory)
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "imported 2, skipped 1 duplicates, rejected 2\n")
        #expect(
            outcome.stderr == """
                a.csv:4: URL is not an absolute http(s) URL: not a url
                a.csv:5: unknown mode: ultra (use fast or professional)

                """)
        let again = try await run(["import", "./a.csv", "--db", "s.sqlite3", "--batch", "again"], in: directory)
        #expect(again.stdout == "imported 0, skipped 3 duplicates, rejected 2\n")
        #expect(again.stderr.hasPrefix("./a.csv:4: "))
    }

    @Test("- reads standard input; the default batch is stdin@DATE; --mode is case-insensitive")
    func standardInput() async throws {
        let directory = TemporaryDirectory()
        let outcome = try await run(
            ["import", "-", "--mode", "Professional", "--db", "s.sqlite3"], in: directory,
            stdin: "url\nhttps://img.example/4.jpg\n")
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "imported 1, skipped 0 duplicates, rejected 0\n")
        let store = try SQLiteJobStore.open(at: directory.file("s.sqlite3"))
        let jobs = try ImportTestSupport.jobs(in: store)
        #expect(jobs.count == 1)
        #expect(jobs.first?[0].hasPrefix("stdin@") == true)
        #expect(jobs.first?[2] == "professional")
    }

    @Test("a header-only file imports 0 and exits 0")
    func headerOnly() async throws {
        let directory = TemporaryDirectory()
        _ = try ImportTestSupport.write("url,mode\n", to: directory, name: "h.csv")
        let outcome = try await run(["import", "h.csv", "--db", "s.sqlite3"], in: directory)
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "imported 0, skipped 0 duplicates, rejected 0\n")
    }

    @Test("missing, empty, column-less files exit 2, name the file, and create no store")
    func badFiles() async throws {
        let directory = TemporaryDirectory()
        _ = try ImportTestSupport.write("", to: directory, name: "empty.csv")
        _ = try ImportTestSupport.write("link,mode\nhttps://img.example/5.jpg,fast\n", to: directory, name: "b.csv")
        for (file, words) in [
            ("missing.csv", "cannot read missing.csv"), ("empty.csv", "empty.csv is empty"),
            ("b.csv", "b.csv has no url column"),
        ] {
            let outcome = try await run(["import", file, "--db", "s.sqlite3"], in: directory)
            #expect(outcome.status == 2, "\(file)")
            #expect(outcome.stderr.contains(words), "\(file): \(outcome.stderr)")
            #expect(outcome.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.sqlite3")))
    }

    @Test("a bad --mode is a usage error (64)")
    func badMode() async throws {
        let directory = TemporaryDirectory()
        _ = try ImportTestSupport.write("url\nhttps://img.example/1.jpg\n", to: directory, name: "a.csv")
        let outcome = try await run(["import", "a.csv", "--mode", "ultra", "--db", "s.sqlite3"], in: directory)
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("fast"))
    }

    @Test("--db in a missing directory, a file that is not SQLite, a newer store: exit 2 with the store's message")
    func badStores() async throws {
        let directory = TemporaryDirectory()
        _ = try ImportTestSupport.write("url\nhttps://img.example/1.jpg\n", to: directory, name: "a.csv")
        let missingDir = try await run(["import", "a.csv", "--db", "nowhere/s.sqlite3"], in: directory)
        #expect(missingDir.status == 2)
        #expect(missingDir.stderr.contains("directory does not exist"))

        let notSQLite = try await run(["import", "a.csv", "--db", "a.csv"], in: directory)
        #expect(notSQLite.status == 2)
        #expect(notSQLite.stderr.contains("not an upscale-batch job store"))

        let newer = directory.file("newer.sqlite3")
        let store = try SQLiteJobStore.openOrCreate(at: newer)
        try await store.database.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
        }
        let newerOutcome = try await run(["import", "a.csv", "--db", "newer.sqlite3"], in: directory)
        #expect(newerOutcome.status == 2)
        #expect(newerOutcome.stderr.contains("newer upscale-batch"))
        #expect(try ImportTestSupport.jobs(in: store).isEmpty)
    }

    /// The store is written from a Dispatch thread; the command must not exit while that thread
    /// still holds it, or SQLite never checkpoints and the jobs stay in a `-wal` beside the file
    /// (a copy of the file alone, or a reader through a symlink, would miss them). A race by
    /// nature, so several imports.
    @Test("import closes the store before it exits: no -wal file is left, the file alone holds the jobs")
    func storeClosedAtExit() async throws {
        let directory = TemporaryDirectory()
        for index in 0..<8 {
            _ = try ImportTestSupport.write("url\nhttps://img.example/\(index).jpg\n", to: directory, name: "\(index).csv")
            let outcome = try await run(["import", "\(index).csv", "--db", "s.sqlite3"], in: directory)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: directory.file("s.sqlite3-wal")),
                "import \(index) exited with the store still open")
        }
    }
}
