import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite("JobImporter", .bounded)
struct JobImporterTests {
    typealias S = ImportTestSupport
    /// 2026-11-25T03:04:05.678Z
    static let date = Date(timeIntervalSince1970: 1_795_575_845.678)

    /// Imports `text` (written to `name` in `directory`) into `store`; returns the summary and
    /// the rejections as `LINE: reason`.
    func importText(
        _ text: String, into store: SQLiteJobStore, directory: TemporaryDirectory, name: String = "nightly.csv",
        mode: Mode = .fast, batch: String? = nil
    ) async throws -> (ImportSummary, [String]) {
        let path = try S.write(text, to: directory, name: name)
        let importer = try JobImporter(path: path, defaultMode: mode)
        let rejections = S.Rejections()
        let summary = try await importer.run(into: store, batchName: batch, date: Self.date) { rejections.append($0) }
        return (summary, rejections.rows.map { "\($0.line): \($0.reason)" })
    }

    @Test("rows and rejections keep file order across the reader's batches")
    func orderAcrossBatches() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        var lines = ["url"]
        for index in 0..<9_000 {
            lines.append(index % 7 == 3 ? "ftp://img.example/\(index).jpg" : "https://img.example/\(index % 8_000).jpg")
        }
        let (summary, rejections) = try await importText(lines.joined(separator: "\n") + "\n", into: store, directory: directory)
        let rejectedIndexes = (0..<9_000).filter { $0 % 7 == 3 }
        #expect(rejections.count == rejectedIndexes.count)
        #expect(rejections.map { Int($0.prefix { $0 != ":" }) } == rejectedIndexes.map { $0 + 2 }, "reported in file order")
        #expect(summary.rejected == rejectedIndexes.count)
        let stored = try await store.database.read { db in try String.fetchAll(db, sql: "SELECT url FROM jobs ORDER BY id") }
        let expected = (0..<9_000).filter { $0 % 7 != 3 }.map { "https://img.example/\($0 % 8_000).jpg" }
        var seen = Set<String>()
        #expect(stored == expected.filter { seen.insert($0).inserted }, "stored in file order, later repeats skipped")
        #expect(summary.imported == stored.count)
        #expect(summary.duplicates == expected.count - stored.count)
    }

    @Test("valid rows are stored, bad ones reported with their line, duplicates skipped")
    func contractExample() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let (summary, rejections) = try await importText(
            "url,mode\nhttps://img.example/1.jpg,fast\nhttps://img.example/2.jpg,professional\nnot a url,fast\n"
                + "https://img.example/3.jpg,ultra\nhttps://img.example/1.jpg,fast\n",
            into: store, directory: directory)
        #expect(summary == ImportSummary(imported: 2, duplicates: 1, rejected: 2))
        #expect(summary.description == "imported 2, skipped 1 duplicates, rejected 2")
        #expect(
            rejections == [
                "4: URL is not an absolute http(s) URL: not a url",
                "5: unknown mode: ultra (use fast or professional)",
            ])
        #expect(
            try S.jobs(in: store) == [
                ["nightly.csv@2026-11-25", "https://img.example/1.jpg", "fast"],
                ["nightly.csv@2026-11-25", "https://img.example/2.jpg", "professional"],
            ])
    }

    @Test("jobs are PENDING, unsubmitted, with one created_at/updated_at in the store's time format")
    func storedColumns() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        _ = try await importText("url\nhttps://a.example/1\nhttps://a.example/2\n", into: store, directory: directory)
        let rows = try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT state, request_id, attempts, created_at, updated_at FROM jobs")
        }
        #expect(rows.count == 2)
        for row in rows {
            #expect(row["state"] as String == "PENDING")
            #expect(row["request_id"] as String? == nil)
            #expect(row["attempts"] as Int == 0)
            #expect(row["created_at"] as String == "2026-11-25T03:04:05.678Z")
            #expect(row["updated_at"] as String == "2026-11-25T03:04:05.678Z")
        }
        let batch = try store.database.read { db in
            try Row.fetchOne(db, sql: "SELECT name, source_file, imported_at FROM batches")
        }
        #expect(batch?["name"] as String? == "nightly.csv@2026-11-25")
        #expect(batch?["imported_at"] as String? == "2026-11-25T03:04:05.678Z")
    }

    @Test("duplicates: within one file, across imports, and the same URL in another mode is not one")
    func duplicates() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let first = try await importText(
            "url,mode\nhttps://a.example/1,fast\nhttps://a.example/1,FAST\nhttps://a.example/1,professional\n",
            into: store, directory: directory)
        #expect(first.0 == ImportSummary(imported: 2, duplicates: 1, rejected: 0))
        let second = try await importText(
            "url\nhttps://a.example/1\nhttps://a.example/2\nhttps://a.example/1?x\n", into: store, directory: directory,
            name: "again.csv")
        #expect(second.0 == ImportSummary(imported: 2, duplicates: 1, rejected: 0))
        #expect(
            try S.jobs(in: store).map { $0[1] + " " + $0[2] } == [
                "https://a.example/1 fast", "https://a.example/1 professional",
                "https://a.example/2 fast", "https://a.example/1?x fast",
            ])
    }

    @Test("duplicates are counted right across the inserter's multi-row statements")
    func duplicatesAcrossStatements() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let count = JobInserter.rowsPerStatement + 100
        var text = "url\n"
        for pass in 0..<2 {
            for index in 0..<count { text += "https://a.example/\(index).jpg\n" }
            if pass == 0 { text += "https://a.example/\(count).jpg\n" }
        }
        let (summary, _) = try await importText(text, into: store, directory: directory)
        #expect(summary == ImportSummary(imported: count + 1, duplicates: count, rejected: 0))
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") } == count + 1)
        let again = try await importText(text, into: store, directory: directory, name: "again.csv")
        #expect(again.0 == ImportSummary(imported: 0, duplicates: 2 * count + 1, rejected: 0))
    }

    @Test("the connection's pragmas are restored after an import, foreign keys back on")
    func pragmasRestored() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        _ = try await importText("url\nhttps://a.example/1\n", into: store, directory: directory)
        let (foreignKeys, cacheSize, tempStore) = try await store.database.write { db in
            (
                try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"), try Int.fetchOne(db, sql: "PRAGMA cache_size"),
                try Int.fetchOne(db, sql: "PRAGMA temp_store")
            )
        }
        #expect(foreignKeys == true)
        // Back to the store's own small cache (a run's memory must not grow with the store).
        #expect(cacheSize == -SQLiteJobStore.connectionCacheKiB)
        #expect(SQLiteJobStore.connectionCacheKiB < 2000, "smaller than SQLite's default of 2,000 KiB")
        let readerCacheSize = try await store.database.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") }
        #expect(readerCacheSize == -SQLiteJobStore.connectionCacheKiB, "a reader's too")
        #expect(tempStore == 0)
        #expect(try await store.database.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }.isEmpty)
    }

    @Test("a header-only file imports nothing and leaves no empty batch behind")
    func headerOnly() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let (summary, rejections) = try await importText("url,mode\n", into: store, directory: directory)
        #expect(summary == ImportSummary())
        #expect(rejections.isEmpty)
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM batches") } == 0)
    }

    @Test("files that cannot be imported are typed errors naming the file")
    func fileErrors() async throws {
        let directory = TemporaryDirectory()
        let missing = directory.file("missing.csv")
        #expect(throws: ImportError.cannotOpen(file: missing, reason: "No such file or directory")) {
            _ = try JobImporter(path: missing)
        }
        #expect(throws: ImportError.unreadable(file: directory.path, reason: "Is a directory")) {
            _ = try JobImporter(path: directory.path)
        }
        let empty = try S.write("", to: directory, name: "empty.csv")
        #expect(throws: ImportError.empty(file: empty)) { _ = try JobImporter(path: empty) }
        let blank = try S.write("\n\r\n\n", to: directory, name: "blank.csv")
        #expect(throws: ImportError.empty(file: blank)) { _ = try JobImporter(path: blank) }
        let noURL = try S.write("link,mode\nhttps://a.example/1,fast\n", to: directory, name: "b.csv")
        #expect(throws: ImportError.noURLColumn(file: noURL, header: ["link", "mode"])) { _ = try JobImporter(path: noURL) }
        let badHeader = try S.write("\"url\n", to: directory, name: "c.csv")
        #expect(throws: ImportError.self) { _ = try JobImporter(path: badHeader) }
        #expect(
            ImportError.noURLColumn(file: "b.csv", header: ["link", "mode"]).description
                == "b.csv has no url column (header: link, mode): name the column of image URLs url or img_url")
        #expect(ImportError.empty(file: "e.csv").description.hasPrefix("e.csv is empty"))
    }

    @Test("img_url column, a mode column with blanks, and --mode as the default")
    func columns() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let (summary, _) = try await importText(
            "\u{FEFF}Id,IMG_URL,Mode\n1,https://a.example/1,\n2,https://a.example/2,Fast\n3,https://a.example/3\n",
            into: store, directory: directory, mode: .professional)
        #expect(summary.imported == 3)
        #expect(try S.jobs(in: store).map { $0[2] } == ["professional", "fast", "professional"])
    }

    @Test("batch naming: default FILE@date, a named batch, and naming an existing batch adds to it")
    func batches() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        #expect(JobImporter.defaultBatchName(file: "/drop/nightly.csv", date: Self.date) == "nightly.csv@2026-11-25")
        #expect(JobImporter.defaultBatchName(file: "-", date: Self.date) == "stdin@2026-11-25")
        _ = try await importText("url\nhttps://a.example/1\n", into: store, directory: directory, name: "one.csv")
        _ = try await importText(
            "url\nhttps://a.example/2\n", into: store, directory: directory, name: "two.csv", batch: "week 48")
        _ = try await importText(
            "url\nhttps://a.example/3\n", into: store, directory: directory, name: "three.csv", batch: "week 48")
        #expect(try S.jobs(in: store).map { $0[0] } == ["one.csv@2026-11-25", "week 48", "week 48"])
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM batches") } == 2)
    }

    @Test("one transaction: a failure part-way stores nothing, not even the batch")
    func allOrNothing() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        try await store.database.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER boom BEFORE INSERT ON jobs WHEN NEW.url = 'https://a.example/boom'
                    BEGIN SELECT RAISE(ABORT, 'boom'); END
                    """)
        }
        var text = "url\n"
        for index in 0..<1000 { text += "https://a.example/\(index)\n" }
        text += "https://a.example/boom\nhttps://a.example/after\n"
        await #expect {
            _ = try await importText(text, into: store, directory: directory)
        } throws: { error in
            guard case .store(let storeError) = error as? ImportError else { return false }
            return storeError.description.contains("boom")
        }
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM jobs") } == 0)
        #expect(try await store.database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM batches") } == 0)
    }

    @Test("a 10 MB field rejects its row; the rows around it are imported")
    func hugeField() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let huge = String(repeating: "x", count: 10 * 1024 * 1024)
        let (summary, rejections) = try await importText(
            "url,note\nhttps://a.example/1,\nhttps://a.example/2,\"\(huge)\"\nhttps://a.example/3,\n",
            into: store, directory: directory)
        #expect(summary == ImportSummary(imported: 2, duplicates: 0, rejected: 1))
        #expect(rejections == ["3: field over 64 KiB"])
    }

    @Test("an unterminated quote: rows before it are imported, it is rejected, the rest is not read")
    func unterminatedQuote() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let (summary, rejections) = try await importText(
            "url\nhttps://a.example/1\n\"https://a.example/2\nhttps://a.example/3\n", into: store, directory: directory)
        #expect(summary == ImportSummary(imported: 1, duplicates: 0, rejected: 1))
        #expect(rejections == ["3: unterminated quote: the rest of the file was not read"])
    }

    @Test("a row that is not valid UTF-8 is rejected; the others are imported")
    func invalidUTF8() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        let path = try S.write(
            Array("url\nhttps://a.example/1\nhttps://a.example/".utf8) + [0xFF] + Array("\nhttps://a.example/3\n".utf8),
            to: directory, name: "bytes.csv")
        let rejections = S.Rejections()
        let summary = try await JobImporter(path: path).run(into: store, date: Self.date) { rejections.append($0) }
        #expect(summary == ImportSummary(imported: 2, duplicates: 0, rejected: 1))
        #expect(rejections.rows == [RejectedRow(line: 3, reason: "not valid UTF-8")])
    }

    @Test("tiny read chunks import the same rows as the default")
    func tinyChunks() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        var text = "url,mode\r\n"
        for index in 0..<200 {
            text += "\"https://a.example/\(index)?q=\"\"x\"\"\",\(index % 2 == 0 ? "fast" : "professional")\r\n"
        }
        let path = try S.write(text, to: directory)
        let summary = try await JobImporter(path: path, chunkSize: 5).run(into: store, date: Self.date) { _ in }
        #expect(summary == ImportSummary(imported: 200, duplicates: 0, rejected: 0))
        #expect(try S.jobs(in: store).last == ["input.csv@2026-11-25", "https://a.example/199?q=\"x\"", "professional"])
    }
}
