import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// A store is one file, whatever names it, and a file that is not a store is never changed
/// (issue 14, points 1 and 7), through the built binary.
@Suite(.serialized, .bounded) struct StoreIdentityEndToEndTests {
    /// Every command that opens an existing store, with what it needs to get that far.
    static func commands(_ directory: String) -> [[String]] {
        [
            ["status"], ["list"], ["report"], ["estimate"], ["retry"], ["limits", "--concurrency", "2"],
            ["download", "--out", directory + "/results"],
            ["run", "--poll-only", "--base-url", "http://127.0.0.1:9/v1"], ["webhook", "serve", "--listen", "127.0.0.1:0"],
            ["import", directory + "/more.csv"],
        ]
    }

    @Test func anotherApplicationsDatabaseIsRefusedAndLeftByteForByte() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "url\nhttps://img.example/more.jpg\n".write(toFile: directory + "/more.csv", atomically: true, encoding: .utf8)
        // Another application's files: SQLite in rollback-journal (`delete`) mode, one marked
        // with its own application id, one unmarked; and an empty file.
        let marked = directory + "/other-app.db"
        let unmarked = directory + "/notes.db"
        for (path, id) in [(marked, 0x4f54_4852), (unmarked, 0)] {
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "PRAGMA application_id = \(id)")
                try db.execute(
                    sql: "CREATE TABLE jobs(id INTEGER PRIMARY KEY, what TEXT); INSERT INTO jobs(what) VALUES ('mine')")
                try db.execute(sql: "CREATE TABLE meta(key TEXT, value TEXT)")
            }
            try queue.close()
            #expect(try Self.journalMode(path) == "delete")
        }
        let empty = directory + "/empty.db"
        try Data().write(to: URL(fileURLWithPath: empty))

        let binary = BinaryRunner(directory: directory)
        for path in [marked, unmarked, empty] {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            for command in Self.commands(directory) {
                let result = try await binary.run(
                    command + ["--db", path], environment: ["ENHANCOR_API_KEY": "k"], timeout: 60)
                #expect(result.code == 2, "\(command) on \(path): \(result.code) \(result.stderr)")
                #expect(result.stderr.contains("not an upscale-batch job store"), "\(command): \(result.stderr)")
                let after = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(after == before, "\(command) left \(path) byte for byte as it was")
                let beside = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
                    $0.hasPrefix((path as NSString).lastPathComponent + "-")
                }
                #expect(beside.isEmpty, "\(command) created \(beside) beside \(path)")
            }
            if path != empty { #expect(try Self.journalMode(path) == "delete", "the journal mode was not touched") }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty, "a 0-byte file stays 0 bytes")
        let marking = try await binary.run(["status", "--db", marked])
        #expect(marking.stderr.contains("another application"), "\(marking.stderr)")
    }

    @Test func aStoreMadeBeforeTheMarkIsStillRecognisedAndGetsIt() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = BinaryRunner(directory: directory)
        let store = directory + "/store.sqlite3"
        #expect(try await binary.run(["import", "-"], stdin: "url\nhttps://img.example/a.jpg\n").code == 0)
        #expect(try Self.applicationID(store) == 0x5570_4261, "a new store is marked")
        // As an earlier version left it: no mark, no record of the marking migration.
        let queue = try DatabaseQueue(path: store)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA application_id = 0")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v6-application-id'")
        }
        try queue.close()
        let status = try await binary.run(["status", "--format", "json"])
        #expect(status.code == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"PENDING\": 1"), "\(status.stdout)")
        #expect(try Self.applicationID(store) == 0x5570_4261, "opening it for a command marks it")
    }

    @Test func aHardLinkedStoreIsRefusedByEveryCommandUnderEitherName() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "url\nhttps://img.example/more.jpg\n".write(toFile: directory + "/more.csv", atomically: true, encoding: .utf8)
        let binary = BinaryRunner(directory: directory)
        #expect(try await binary.run(["import", "-"], stdin: "url\nhttps://img.example/a.jpg\n").code == 0)
        let real = directory + "/store.sqlite3"
        let hard = directory + "/hard.sqlite3"
        #expect(link(real, hard) == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: real))
        for path in [real, hard] {
            for command in Self.commands(directory) {
                let result = try await binary.run(command + ["--db", path], environment: ["ENHANCOR_API_KEY": "k"], timeout: 60)
                #expect(result.code == 2, "\(command) --db \(path): \(result.code) \(result.stderr)")
                #expect(result.stderr.contains("has 2 hard links"), "\(command): \(result.stderr)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: real)) == before)
        unlink(hard)
        #expect(try await binary.run(["status"]).code == 0, "with one name again, the store works")
    }

    /// `run --db link.db` and `run --db ./x/../store.sqlite3` while `run --db store.sqlite3` holds
    /// the store: both refuse at once with exit 75.
    @Test func aSecondRunThroughASymlinkOrARelativePathFindsTheStoreLocked() async throws {
        let fixture = try await EndToEndFixture { config in config.fastDuration = 600 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(3)
        let first = try fixture.startRun(["--poll-only"])
        defer { first.signal(SIGKILL) }
        func firstStderr() -> String { first.result().stderr }
        try await waitUntil("the first run to start") {
            !first.process.isRunning || firstStderr().contains("run started")
        }
        #expect(firstStderr().contains("run started"), "the first run got going: \(firstStderr())")

        try FileManager.default.createDirectory(atPath: fixture.directory + "/links", withIntermediateDirectories: true)
        #expect(symlink(fixture.storePath, fixture.directory + "/links/link.sqlite3") == 0)
        for path in ["links/link.sqlite3", "./links/../store.sqlite3", fixture.directory + "/links/link.sqlite3"] {
            let second = try await fixture.binary.run(
                fixture.runArguments(["--poll-only", "--db", path]), environment: fixture.apiEnvironment, timeout: 60)
            #expect(second.code == 75, "\(path): \(second.code) \(second.stderr)")
            #expect(second.stderr.contains("already running"), "\(path): \(second.stderr)")
        }
        #expect(first.process.isRunning, "the first run was holding the store all along")
        #expect(fixture.simulator.ledger().submissionsByURL.values.allSatisfy { $0 == 1 }, "no job was sent twice")
    }

    static func makeDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "upscale-batch-identity-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    static func journalMode(_ path: String) throws -> String? {
        let queue = try DatabaseQueue(path: path, configuration: Self.readOnly)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
    }

    static func applicationID(_ path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path, configuration: Self.readOnly)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA application_id") ?? -1 }
    }

    static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }
}
