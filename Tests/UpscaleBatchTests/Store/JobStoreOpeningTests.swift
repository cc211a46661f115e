import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct JobStoreOpeningTests {
    @Test func openingAMissingStoreFailsAndCreatesNothing() throws {
        let dir = TemporaryDirectory()
        #expect(throws: StoreError.noStore(path: dir.file("none.sqlite3"))) {
            try SQLiteJobStore.open(at: dir.file("none.sqlite3"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("none.sqlite3")))
    }

    /// A store whose latest changes (here its whole schema) are still in its `-wal`, named
    /// through a symlink: the `-wal` sits beside the file, not the link, and is found there.
    @Test func aStoreNamedByASymlinkIsIdentifiedWithItsWriteAheadLog() async throws {
        let dir = TemporaryDirectory()
        let real = dir.file("real.sqlite3")
        let writer = try SQLiteJobStore.openOrCreate(at: real)  // kept open: no checkpoint at close
        _ = try await StoreFixtures.insertJobs(writer, count: 2)
        let log = try FileManager.default.attributesOfItem(atPath: real + "-wal")[.size] as? NSNumber
        #expect((log?.intValue ?? 0) > 0, "the set-up leaves changes in the -wal")
        let link = dir.file("link.sqlite3")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let reader = try SQLiteJobStore.open(at: link, for: .read)
        #expect(try await reader.statusSnapshot().total == 2)
        withExtendedLifetime(writer) {}
    }

    @Test func creatingInAMissingDirectoryFails() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("nope/store.sqlite3")
        #expect(throws: StoreError.directoryMissing(path: path)) { try SQLiteJobStore.openOrCreate(at: path) }
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftAlone() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("notes.sqlite3")
        let text = String(repeating: "these are not the pages of a database\n", count: 200)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try SQLiteJobStore.open(at: path)
        } throws: { error in
            guard case .notAJobStore = error as? StoreError else { return false }
            return true
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func anSQLiteFileWithoutOurSchemaIsRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("other.sqlite3")
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE t(x)") }
        #expect {
            try SQLiteJobStore.open(at: path)
        } throws: { error in
            guard case .notAJobStore = error as? StoreError else { return false }
            return true
        }
        let tables = try DatabaseQueue(path: path).read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master") }
        #expect(tables == ["t"], "the foreign file was not migrated")
    }

    @Test func aStoreFromANewerVersionIsRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("store.sqlite3")
        _ = try SQLiteJobStore.openOrCreate(at: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99-from-the-future')")
        }
        #expect(throws: StoreError.newerSchema(path: path, unknownMigrations: ["v99-from-the-future"])) {
            try SQLiteJobStore.open(at: path)
        }
    }

    @Test func aNewStoreHasWALStrictTablesAndASecret() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let secret = try await store.webhookSecret()
        #expect(secret.count == 64)
        let again = try SQLiteJobStore.open(at: store.path)
        #expect(try await again.webhookSecret() == secret, "the secret is made once, when the store is created")
        let mode = try SQLiteHandEdit.read(store) { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(throws: DatabaseError.self) {
            try SQLiteHandEdit.write(store) { db in
                // STRICT: a cost must be an integer, not text that SQLite would otherwise accept.
                try db.execute(sql: "INSERT INTO batches(name, source_file, imported_at) VALUES ('b', 's', 'now')")
                try db.execute(
                    sql:
                        "INSERT INTO jobs(batch_id, url, mode, cost, created_at, updated_at) VALUES (1, 'u', 'fast', 'a lot', 'x', 'x')"
                )
            }
        }
    }

    @Test func theSchemaRefusesAnUnknownStateOrMode() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let id = try await StoreFixtures.insertJobs(store, count: 1)[0]
        #expect(throws: DatabaseError.self) { try StoreFixtures.update(store, job: id, "state = 'DONE'") }
        #expect(throws: DatabaseError.self) { try StoreFixtures.update(store, job: id, "mode = 'ultra'") }
    }
}
