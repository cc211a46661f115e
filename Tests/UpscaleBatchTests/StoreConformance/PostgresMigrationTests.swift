import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// The PostgreSQL schema's upgrades (cli.md, "Job store engines": any command that writes brings
/// an older schema up to date; a newer one is refused), and the import that the second
/// migration serves: ids after the store's highest, duplicates of racing imports skipped.
@Suite(.bounded) struct PostgresMigrationTests {
    /// Runs `body` with a fresh, empty database (`TestPostgres.withDatabase`: loud when skipped).
    func withDatabase(_ body: (FreshDatabase) async throws -> Void) async throws {
        try await TestPostgres.withDatabase("schema migration") { url in try await body(FreshDatabase(url: url)) }
    }

    /// The values of a one-column query, run on a connection of its own.
    func values<T: PostgresDecodable & Sendable>(_ url: String, _ query: PostgresQuery, as type: T.Type) async throws -> [T] {
        let found = Mutex<[T]>([])
        try await TestPostgres.admin(try PostgresLocation(parsing: url)) { connection, logger in
            for try await value in try await connection.query(query, logger: logger).decode(T.self) {
                found.withLock { $0.append(value) }
            }
        }
        return found.withLock { $0 }
    }

    /// A store as the build before the second migration made it (its first migration only),
    /// holding three jobs, one of them FAILED, put there as that build's import and run did.
    func makeFirstSchemaStore(_ url: String) async throws {
        let location = try PostgresLocation(parsing: url)
        try await TestPostgres.admin(location) { connection, logger in
            _ = try await PostgresSchema.prepare(
                on: connection, creating: true, access: .write, store: location, logger: logger,
                migrations: Array(PostgresSchema.migrations.prefix(1)))
            try await connection.query(
                """
                INSERT INTO upscale_batch.batches (name, source_file, imported_at)
                VALUES ('old', 'old.csv', '2026-11-20T00:00:00.000Z')
                """, logger: logger)
            for (url, state) in [("https://x.test/1.jpg", "PENDING"), ("https://x.test/2.jpg", "FAILED")] {
                try await connection.query(
                    """
                    INSERT INTO upscale_batch.jobs (batch_id, url, mode, state, created_at, updated_at)
                    VALUES (1, \(url), 'fast', \(state), '2026-11-20T00:00:00.000Z', '2026-11-20T00:00:00.000Z')
                    """, logger: logger)
            }
            try await connection.query(
                """
                INSERT INTO upscale_batch.jobs (batch_id, url, mode, created_at, updated_at)
                VALUES (1, 'https://x.test/3.jpg', 'professional', '2026-11-20T00:00:00.000Z', '2026-11-20T00:00:00.000Z')
                """, logger: logger)
        }
    }

    @Test func anOldStoreIsRefusedToReadersAndMigratedByAWriterKeepingItsJobs() async throws {
        try await withDatabase { database in
            try await makeFirstSchemaStore(database.url)
            let foreignKey: PostgresQuery = "SELECT conname::text FROM pg_constraint WHERE conname = 'jobs_batch_id_fkey'"
            #expect(try await values(database.url, foreignKey, as: String.self) == ["jobs_batch_id_fkey"])

            // A read command does not upgrade: it names the upgrade a writing command makes.
            do {
                let reader = try await JobStores.open(database.url, for: .read)
                (reader as? PostgresJobStore)?.close()
                Issue.record("a read command opened a store that needs an upgrade")
            } catch {
                guard case .permission(_, let needed) = error as? StoreError else {
                    Issue.record("expected permission, got \(error)")
                    return
                }
                #expect(needed.contains("pg2-import-without-per-row-checks"))
            }

            let store = try await JobStores.open(database.url, for: .write)
            defer { (store as? PostgresJobStore)?.close() }
            #expect(
                Set(try await values(database.url, "SELECT name FROM upscale_batch.schema_migrations", as: String.self))
                    == Set(PostgresSchema.migrations.map(\.name)))
            let jobs = try await store.allJobs()
            #expect(jobs.map(\.id) == [1, 2, 3])
            #expect(jobs.map(\.url) == ["https://x.test/1.jpg", "https://x.test/2.jpg", "https://x.test/3.jpg"])
            #expect(jobs.map(\.state) == [.pending, .failed, .pending])
            #expect(jobs.allSatisfy { $0.batch == "old" })
            #expect(try await store.statusSnapshot(batch: "old", runID: nil).counts[.failed] == 1)
            #expect(try await store.allJobs(JobFilter(state: .failed, batch: "old")).map(\.id) == [2])

            // What the migration changed: no foreign key, the two full indexes replaced.
            #expect(try await values(database.url, foreignKey, as: String.self).isEmpty)
            #expect(
                Set(
                    try await values(
                        database.url,
                        """
                        SELECT indexname::text FROM pg_indexes
                        WHERE schemaname = 'upscale_batch' AND tablename = 'jobs'
                          AND indexname IN ('jobs_state', 'jobs_batch', 'jobs_batch_pages', 'jobs_begun')
                        """, as: String.self)) == ["jobs_batch_pages", "jobs_begun"])

            // An import after the upgrade: ids after the old ones, in file order, duplicates skipped.
            let imported = try await store.importURLs(
                ["https://x.test/4.jpg", "https://x.test/2.jpg", "https://x.test/5.jpg"], batch: "new")
            #expect(imported == ImportedRows(inserted: 2, duplicates: 1))
            let after = try await store.allJobs()
            #expect(after.map(\.url).suffix(2) == ["https://x.test/4.jpg", "https://x.test/5.jpg"])
            #expect(after.map(\.id) == after.map(\.id).sorted())
            #expect(after.map(\.id).suffix(2).allSatisfy { $0 > 3 })
            #expect(try await store.retryFailed(batch: "old") == 1)
        }
    }

    @Test func aMigratedStoreStillRefusesANewerSchema() async throws {
        try await withDatabase { database in
            try await makeFirstSchemaStore(database.url)
            let store = try await JobStores.open(database.url, for: .write)
            (store as? PostgresJobStore)?.close()
            try await TestPostgres.admin(try PostgresLocation(parsing: database.url)) { connection, logger in
                try await connection.query(
                    "INSERT INTO upscale_batch.schema_migrations VALUES ('pg99-from-the-future', 'now')", logger: logger)
            }
            do {
                let newer = try await JobStores.open(database.url, for: .write)
                (newer as? PostgresJobStore)?.close()
                Issue.record("a newer schema was opened")
            } catch {
                guard case .newerSchema(_, let unknown) = error as? StoreError else {
                    Issue.record("expected newerSchema, got \(error)")
                    return
                }
                #expect(unknown == ["pg99-from-the-future"])
            }
        }
    }

    @Test func racingImportsOfOverlappingFilesInsertEachRowOnceWithItsOwnId() async throws {
        try await withDatabase { database in
            let first = try await JobStores.openOrCreate(database.url)
            let second = try await JobStores.open(database.url)
            defer {
                (first as? PostgresJobStore)?.close()
                (second as? PostgresJobStore)?.close()
            }
            let a = (1...300).map { "https://x.test/r\($0).jpg" }
            let b = (200...500).map { "https://x.test/r\($0).jpg" }
            async let fromA = first.importURLs(a, batch: "a")
            async let fromB = second.importURLs(b, batch: "b")
            let (rowsA, rowsB) = try await (fromA, fromB)
            #expect(rowsA.inserted + rowsB.inserted == 500)
            #expect(rowsA.inserted + rowsA.duplicates == a.count)
            #expect(rowsB.inserted + rowsB.duplicates == b.count)
            let jobs = try await first.allJobs()
            #expect(Set(jobs.map(\.url)).count == 500)
            #expect(Set(jobs.map(\.id)).count == 500)
            for batch in ["a", "b"] {
                let urls = jobs.filter { $0.batch == batch }.map(\.url)
                let file = batch == "a" ? a : b
                #expect(urls == file.filter(urls.contains), "batch \(batch) in file order")
            }
        }
    }

    @Test func aFileThatRepeatsARowAfterManyKeepsItsFirstOccurrenceInFileOrder() async throws {
        try await withDatabase { database in
            let store = try await JobStores.openOrCreate(database.url)
            defer { (store as? PostgresJobStore)?.close() }
            try await store.importURLs(["https://x.test/f2.jpg"], batch: "before")
            var file = (1...1_000).map { "https://x.test/f\($0).jpg" }
            file.append("https://x.test/f7.jpg")
            file.append("https://x.test/f1001.jpg")
            let imported = try await store.importURLs(file)
            #expect(imported == ImportedRows(inserted: 1_000, duplicates: 2))
            let jobs = try await store.allJobs(JobFilter(batch: "night"))
            let expected = Array(file.filter { $0 != "https://x.test/f2.jpg" }.dropLast(2)) + ["https://x.test/f1001.jpg"]
            #expect(jobs.map(\.url) == expected)
            #expect(jobs.map(\.id) == jobs.map(\.id).sorted())
        }
    }
}
