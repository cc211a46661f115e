import Foundation
import GRDB
import TestSupport
import Testing

/// A store the user may only read (issue 14, point 8): `status`, `list`, `report` and `estimate`
/// work, writing commands exit 2 naming the permission they lack, and nothing is left behind.
///
/// How this is honest as root: root ignores file modes, so the binary runs as `nobody`
/// (`UnprivilegedUser`: `setpriv` when the tests run as root), for whom the modes bite; the
/// store's directory is made searchable so that user can reach it at all.
@Suite(
    .serialized,
    .enabled(if: UnprivilegedUser.isAvailable, "as root: needs setpriv (util-linux) and a binary user nobody can run"),
    .bounded)
struct ReadOnlyStoreEndToEndTests {
    static let readCommands: [[String]] = [
        ["status", "--format", "json"], ["list", "--format", "csv"], ["report", "--format", "json"], ["estimate"],
    ]

    /// A store with three jobs in a directory of its own, owned by the test's user.
    struct Setup {
        let directory: String
        var store: String { directory + "/store.sqlite3" }
        var environment: [String: String] {
            var environment = BinaryRunner(directory: directory).environment
            environment["UPSCALE_DB"] = store
            environment["HOME"] = "/"
            return environment
        }

        init() async throws {
            directory = UnprivilegedUser.scratchRoot + "upscale-batch-readonly-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let csv =
                "url,mode\nhttps://img.example/a.jpg,fast\nhttps://img.example/b.jpg,professional\nhttps://img.example/c.jpg,fast\n"
            let imported = try await BinaryRunner(directory: directory).run(["import", "-"], stdin: csv)
            precondition(imported.code == 0, imported.stderr)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("store.sqlite3-") }
            precondition(left.isEmpty, "the import closed the store cleanly: \(left)")
            // Whatever the umask: the directory searchable and the store readable by others.
            try chmod(directory, 0o755)
            try chmod(store, 0o644)
        }

        func chmod(_ path: String, _ mode: Int) throws {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }

        func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

        func remove() {
            try? chmod(directory, 0o755)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func aReadOnlyStoreFileInAWritableDirectoryCanBeReadAndIsLeftAlone() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        try setup.chmod(setup.store, 0o444)
        try setup.chmod(setup.directory, 0o777)
        try await checkReadsWork(setup)
        let retry = try await UnprivilegedUser.run(["retry"], in: setup.directory, environment: setup.environment)
        #expect(retry.code == 2, "\(retry.stderr)")
        #expect(retry.stderr.contains("needs write permission on the file"), "\(retry.stderr)")
        let limits = try await UnprivilegedUser.run(
            ["limits", "--concurrency", "2"], in: setup.directory, environment: setup.environment)
        #expect(limits.code == 2, "\(limits.stderr)")
        #expect(limits.stderr.contains("needs write permission on the file"), "\(limits.stderr)")
    }

    /// Here with a store as an earlier version left it (no application id, no record of that
    /// migration): the mark is not needed to read it, and a read-only reader cannot add it.
    @Test func aStoreInAReadOnlyDirectoryCanBeRead() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        let queue = try DatabaseQueue(path: setup.store)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA application_id = 0")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v6-application-id'")
        }
        try queue.close()
        try setup.chmod(setup.directory, 0o755)  // root's: read-only for nobody; the file is 0644
        try await checkReadsWork(setup)
        let retry = try await UnprivilegedUser.run(["retry"], in: setup.directory, environment: setup.environment)
        #expect(retry.code == 2, "\(retry.stderr)")
        #expect(retry.stderr.contains("needs write permission on the file"), "\(retry.stderr)")
    }

    /// While the owner has the store open (its -shm and -wal exist, here with changes still in
    /// the WAL), a reader in the read-only directory reads through them and sees those changes.
    @Test func aStoreInUseInAReadOnlyDirectoryIsReadThroughItsSharedMemoryFile() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        let owner = try DatabasePool(path: setup.store, configuration: configuration)
        try await owner.write { db in try db.execute(sql: "UPDATE jobs SET state = 'FAILED', error = 'x' WHERE id = 1") }
        #expect(try setup.files().contains("store.sqlite3-shm"))
        for name in ["store.sqlite3-shm", "store.sqlite3-wal"] { try setup.chmod(setup.directory + "/" + name, 0o644) }
        let status = try await UnprivilegedUser.run(
            ["status", "--format", "json"], in: setup.directory, environment: setup.environment)
        #expect(status.code == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"FAILED\": 1"), "the reader saw the change still in the WAL: \(status.stdout)")
        try owner.close()
    }

    @Test func aWritingCommandNamesTheDirectoryItNeeds() async throws {
        let setup = try await Setup()
        defer { setup.remove() }
        try setup.chmod(setup.store, 0o666)
        try setup.chmod(setup.directory, 0o755)
        let retry = try await UnprivilegedUser.run(["retry"], in: setup.directory, environment: setup.environment)
        #expect(retry.code == 2, "\(retry.stderr)")
        #expect(retry.stderr.contains("needs write permission on its directory \(setup.directory)"), "\(retry.stderr)")
        let status = try await UnprivilegedUser.run(["status"], in: setup.directory, environment: setup.environment)
        #expect(status.code == 0, "a read still works: \(status.stderr)")
    }

    private func checkReadsWork(_ setup: Setup) async throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: setup.store))
        let filesBefore = try setup.files()
        for command in Self.readCommands {
            let result = try await UnprivilegedUser.run(command, in: setup.directory, environment: setup.environment)
            #expect(result.code == 0, "\(command): \(result.code) \(result.stderr)")
            #expect(!result.stderr.contains("readonly database"), "\(command): \(result.stderr)")
        }
        let status = try await UnprivilegedUser.run(
            ["status", "--format", "json"], in: setup.directory, environment: setup.environment)
        #expect(status.stdout.contains("\"PENDING\": 3"), "\(status.stdout)")
        let list = try await UnprivilegedUser.run(
            ["list", "--format", "csv"], in: setup.directory, environment: setup.environment)
        #expect(list.stdout.contains("https://img.example/b.jpg,professional"), "\(list.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: setup.store)) == before, "the store is unchanged")
        #expect(try setup.files() == filesBefore, "no -wal or -shm left behind")
    }
}
