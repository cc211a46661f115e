import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// Opening a PostgreSQL store: what is refused, and how, on the test server.
@Suite(.bounded) struct PostgresOpeningTests {
    /// Runs `body` with a fresh, empty database (`TestPostgres.withDatabase`: loud when skipped).
    func withDatabase(_ body: (FreshDatabase) async throws -> Void) async throws {
        try await TestPostgres.withDatabase("store opening") { url in try await body(FreshDatabase(url: url)) }
    }

    /// The `StoreError` that `body` throws, or nil (with an issue) when it throws none.
    func storeError(_ what: String, _ body: () async throws(StoreError) -> Void) async -> StoreError? {
        do {
            try await body()
            Issue.record("\(what) did not fail")
            return nil
        } catch {
            return error
        }
    }

    @Test func onlyImportCreatesTheSchema() async throws {
        try await withDatabase { database in
            let error = await storeError("open() on an empty database") { () throws(StoreError) in
                _ = try await JobStores.open(database.url)
            }
            guard case .noStore(let shown) = error else {
                Issue.record("expected noStore, got \(String(describing: error))")
                return
            }
            #expect(shown.hasPrefix("postgres://"))
            #expect(error?.description.hasPrefix("no job store at postgres://") == true)
            let created = try await JobStores.openOrCreate(database.url)
            (created as? PostgresJobStore)?.close()
            let opened = try await JobStores.open(database.url, for: .read)
            #expect(!opened.isReadOnly)
            (opened as? PostgresJobStore)?.close()
        }
    }

    @Test func processesThatStartTogetherMigrateOnce() async throws {
        try await withDatabase { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let store = try await JobStores.openOrCreate(database.url)
                        _ = try await store.webhookSecret()
                        (store as? PostgresJobStore)?.close()
                    }
                }
                try await group.waitForAll()
            }
            let store = try await JobStores.open(database.url)
            #expect(try await store.webhookSecret().count == 64)
            (store as? PostgresJobStore)?.close()
        }
    }

    @Test func aSchemaOfThatNameNotMadeByUsIsRefusedAndLeftAlone() async throws {
        try await withDatabase { database in
            let server = try PostgresLocation(parsing: database.url)
            try await TestPostgres.admin(server) { connection, logger in
                try await connection.query("CREATE SCHEMA upscale_batch", logger: logger)
                try await connection.query("CREATE TABLE upscale_batch.theirs (x int)", logger: logger)
            }
            let error = await storeError("openOrCreate on a foreign schema") { () throws(StoreError) in
                _ = try await JobStores.openOrCreate(database.url)
            }
            guard case .notAJobStore = error else {
                Issue.record("expected notAJobStore, got \(String(describing: error))")
                return
            }
            let found = Mutex<[String]>([])
            try await TestPostgres.admin(server) { connection, logger in
                for try await name in try await connection.query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'upscale_batch'", logger: logger
                ).decode(String.self) {
                    found.withLock { $0.append(name) }
                }
            }
            #expect(found.withLock { $0 } == ["theirs"])
        }
    }

    @Test func aNewerSchemaIsRefused() async throws {
        try await withDatabase { database in
            let store = try await JobStores.openOrCreate(database.url)
            (store as? PostgresJobStore)?.close()
            try await TestPostgres.admin(try PostgresLocation(parsing: database.url)) { connection, logger in
                try await connection.query(
                    "INSERT INTO upscale_batch.schema_migrations VALUES ('pg99-from-the-future', 'now')", logger: logger)
            }
            let error = await storeError("open() on a newer schema") { () throws(StoreError) in
                _ = try await JobStores.open(database.url)
            }
            guard case .newerSchema(_, let unknown) = error else {
                Issue.record("expected newerSchema, got \(String(describing: error))")
                return
            }
            #expect(unknown == ["pg99-from-the-future"])
        }
    }

    @Test func aMissingDatabaseOrRoleIsRefused() async throws {
        try await withDatabase { database in
            let missing = TestPostgres.replacingDatabase(in: database.url, with: "no_such_database_here")
            let missingDatabase = await storeError("open() on a missing database") { () throws(StoreError) in
                _ = try await JobStores.open(missing)
            }
            guard case .loginRefused = missingDatabase else {
                Issue.record("expected loginRefused, got \(String(describing: missingDatabase))")
                return
            }
            var components = URLComponents(string: database.url)!
            components.user = "no_such_role_here"
            let missingRole = await storeError("open() as a missing role") { () throws(StoreError) in
                _ = try await JobStores.open(components.string!)
            }
            guard case .loginRefused = missingRole else {
                Issue.record("expected loginRefused, got \(String(describing: missingRole))")
                return
            }
        }
    }

    @Test func anUnreachableServerIsUnreachableNotAHang() async throws {
        let port = try RefusingPort()
        let error = await storeError("open() on a closed port") { () throws(StoreError) in
            _ = try await JobStores.open("postgres://nobody@127.0.0.1:\(port.port)/db?sslmode=disable")
        }
        guard case .unreachable(let endpoint, _) = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(endpoint == "127.0.0.1:\(port.port)")
        #expect(error?.description.hasPrefix("cannot reach the job store at 127.0.0.1:\(port.port): ") == true)
    }

    /// `copy-store`'s lock: one holder at a time, and no run begins while it is held.
    @Test func theCopyLockIsHeldByOneProcessAtATimeAndKeepsRunsFromBeginning() async throws {
        try await withDatabase { database in
            let store = try await PostgresJobStore.openOrCreate(database.url)
            let other = try await PostgresJobStore.open(database.url)
            let lock = try await store.acquireRunLock()
            #expect(lock != nil)
            #expect(try await other.acquireRunLock() == nil)
            await #expect(throws: StoreError.self) { _ = try await other.beginRun(RunIdentity(runID: "run-x"), batch: nil) }
            await lock?.release()
            #expect(try await other.beginRun(RunIdentity(runID: "run-y"), batch: nil) == 0)
            try await other.endRun(runID: "run-y")
            let again = try await other.acquireRunLock()
            #expect(again != nil)
            await again?.release()
            store.close()
            other.close()
        }
    }

    @Test func aCallThatCannotGetAConnectionEndsUnreachableInsteadOfWaitingForEver() async throws {
        try await withDatabase { database in
            let url = database.url + "&pool_max=1"
            let store = try await PostgresJobStore.openOrCreate(url)
            defer { store.close() }
            let holding = AsyncStream<Void>.makeStream()
            // Holds the pool's one connection far longer than a call may wait for it.
            let holder = Task {
                try await store.client.withConnection { _ in
                    holding.continuation.yield()
                    try await Task.sleep(for: .seconds(120))
                }
            }
            defer { holder.cancel() }
            for await _ in holding.stream { break }
            let error = await storeError("a call without a connection") { () throws(StoreError) in
                _ = try await store.batchExists("night")
            }
            guard case .unreachable(let endpoint, let reason) = error else {
                Issue.record("expected unreachable, got \(String(describing: error))")
                return
            }
            #expect(endpoint == store.location.endpoint)
            #expect(reason.contains("no connection"))
        }
    }

    @Test func aWebhookMeetingATableLockedElsewhereIsUnavailableAfterItsBusyTimeout() async throws {
        try await withDatabase { database in
            let store = try await PostgresJobStore.openOrCreate(database.url)
            defer { store.close() }
            try await store.importURLs(["https://x.test/1.jpg"])
            let job = try await store.allJobs()[0].id
            // Another session holds the jobs table in ACCESS EXCLUSIVE mode until released.
            let holder = try await TestPostgres.holding(
                database.url, take: "LOCK TABLE upscale_batch.jobs IN ACCESS EXCLUSIVE MODE")
            let error = await storeError("a webhook on a locked table") { () throws(StoreError) in
                _ = try await store.recordWebhook(
                    jobID: job, requestID: "req", status: "success", resultURL: "https://r/1", busyTimeout: 0.5)
            }
            try await holder.release()
            guard case .unavailable = error else {
                Issue.record("expected unavailable (exit 75), got \(String(describing: error))")
                return
            }
            // Once the lock is gone the same webhook is recorded.
            #expect(
                try await store.recordWebhook(
                    jobID: job, requestID: "req", status: "success", resultURL: "https://r/1", busyTimeout: 5)
                    == .noSubmission(jobID: job))
        }
    }

    @Test func theStoresConnectionsCommitDurablyWhateverTheDatabasesDefault() async throws {
        try await withDatabase { database in
            let name = String(database.url.split(separator: "/").last!.split(separator: "?")[0])
            try await TestPostgres.admin(try PostgresLocation(parsing: database.url)) { connection, logger in
                try await connection.query("ALTER DATABASE \(unescaped: name) SET synchronous_commit = off", logger: logger)
            }
            let store = try await PostgresJobStore.openOrCreate(database.url)
            defer { store.close() }
            let setting = try await store.client.withConnection { connection in
                try await connection.query("SHOW synchronous_commit", logger: store.logger).collect().first?.decode(
                    String.self)
            }
            #expect(setting == "on")
        }
    }

    /// A session paused inside a transaction is ended by the server, locks and all, after
    /// `PostgresSettings.idleInTransactionTimeout` (the paused-runner case).
    @Test func theStoresConnectionsEndASessionLeftIdleInATransaction() async throws {
        try await withDatabase { database in
            let store = try await PostgresJobStore.openOrCreate(database.url)
            defer { store.close() }
            let setting = try await store.client.withConnection { connection in
                try await connection.query("SHOW idle_in_transaction_session_timeout", logger: store.logger).collect().first?
                    .decode(String.self)
            }
            #expect(setting == "\(PostgresSettings.idleInTransactionTimeout)s")
        }
    }

    @Test func aRoleThatMayOnlyReadReadsAndACommandThatWritesNamesThePermission() async throws {
        try await withDatabase { database in
            let store = try await JobStores.openOrCreate(database.url)
            try await store.importURLs(["https://x.test/1.jpg"])
            (store as? PostgresJobStore)?.close()
            let role = "ub_reader_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            let admin = try PostgresLocation(parsing: database.url)
            try await TestPostgres.admin(admin) { connection, logger in
                try await connection.query("CREATE ROLE \(unescaped: role) LOGIN", logger: logger)
                try await connection.query("GRANT USAGE ON SCHEMA upscale_batch TO \(unescaped: role)", logger: logger)
                try await connection.query(
                    "GRANT SELECT ON ALL TABLES IN SCHEMA upscale_batch TO \(unescaped: role)", logger: logger)
            }
            var components = URLComponents(string: database.url)!
            components.user = role
            let readerURL = components.string!
            do {
                let reader = try await JobStores.open(readerURL, for: .read)
                #expect(reader.isReadOnly)
                #expect(try await reader.allJobs().map(\.url) == ["https://x.test/1.jpg"])
                #expect(try await reader.statusSnapshot(batch: nil, runID: nil).counts[.pending] == 1)
                (reader as? PostgresJobStore)?.close()
                let error = await storeError("a write as a read-only role") { () throws(StoreError) in
                    _ = try await JobStores.open(readerURL, for: .write)
                }
                guard case .permission(_, let needed) = error else {
                    Issue.record("expected permission, got \(String(describing: error))")
                    return
                }
                #expect(needed.contains(role))
            } catch {
                Issue.record("\(error)")
            }
            // A role is the cluster's, not the database's: its grants go first, then the role.
            try await TestPostgres.admin(admin) { connection, logger in
                try await connection.query("DROP OWNED BY \(unescaped: role)", logger: logger)
                try await connection.query("DROP ROLE \(unescaped: role)", logger: logger)
            }
        }
    }
}
