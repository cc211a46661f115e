import Foundation
import GRDB
import Logging
import TestSupport

@testable import UpscaleBatch

/// Helpers for the results tests: a store with COMPLETED jobs staged by SQL, a quiet
/// downloader, the download columns of a job, and an independent SHA-256 (coreutils).
enum ResultTestSupport {
    static var quietLogger: Logger {
        var logger = Logger(label: "results-test")
        logger.logLevel = .critical
        return logger
    }

    /// A COMPLETED job with `sourceURL` and `resultURL`; returns its id.
    @discardableResult
    static func stageCompleted(
        _ store: SQLiteJobStore, sourceURL: String, resultURL: String, batch: String = "b1", mode: Mode = .fast,
        requestID: String? = nil, cost: Int64 = 240
    ) throws -> Int64 {
        try store.database.write { db in
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO batches(name, source_file, imported_at) VALUES (?, 'test.csv', '2026-11-25T00:00:00.000Z')",
                arguments: [batch])
            let batchID = try Int64.fetchOne(db, sql: "SELECT id FROM batches WHERE name = ?", arguments: [batch])!
            try db.execute(
                sql: """
                    INSERT INTO jobs(batch_id, url, mode, state, request_id, cost, result_url, created_at, updated_at,
                                     submitted_at, finished_at)
                    VALUES (?, ?, ?, 'COMPLETED', ?, ?, ?, '2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z',
                            '2026-11-25T00:00:01.000Z', '2026-11-25T00:00:05.000Z')
                    """,
                arguments: [batchID, sourceURL, mode.rawValue, requestID ?? UUID().uuidString, cost, resultURL])
            return db.lastInsertedRowID
        }
    }

    static func downloader(
        _ store: SQLiteJobStore, _ directory: String, concurrency: Int = 4, maxBytes: Int64 = ResultDownloader.defaultMaxBytes
    ) throws -> ResultDownloader {
        try ResultDownloader(
            store: store, outputDirectory: directory, concurrency: concurrency, maxBytes: maxBytes,
            environment: [:], logger: quietLogger)
    }

    /// One full pass, the downloader shut down after it.
    static func pass(
        _ store: SQLiteJobStore, _ directory: String, maxBytes: Int64 = ResultDownloader.defaultMaxBytes, retry: Bool = false
    ) async throws -> DownloadSummary {
        let downloader = try downloader(store, directory, maxBytes: maxBytes)
        do {
            let summary = try await downloader.downloadPending(retryPermanentFailures: retry)
            await downloader.shutdown()
            return summary
        } catch {
            await downloader.shutdown()
            throw error
        }
    }

    struct DownloadColumns {
        var state: String
        var path: String?
        var bytes: Int64?
        var sha256: String?
        var downloadedAt: String?
        var error: String?
    }

    static func columns(_ store: SQLiteJobStore, _ id: Int64) throws -> DownloadColumns {
        try store.database.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id])!
            return DownloadColumns(
                state: row["state"], path: row["download_path"], bytes: row["download_bytes"], sha256: row["download_sha256"],
                downloadedAt: row["downloaded_at"], error: row["download_error"])
        }
    }

    /// The directory's entries (hidden ones included), sorted.
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// `sha256sum FILE`: a second, independent SHA-256.
    static func sha256sum(_ path: String) async throws -> String {
        let output = path + ".sha256sum"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try ChildProcess.start(
            "/usr/bin/sha256sum", [path], environment: ["PATH": "/usr/bin:/bin"], stdoutPath: output)
        try await process.wait(timeout: 60)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        return text.split(separator: " ").first.map(String.init) ?? ""
    }

    /// A valid-looking PNG: the signature and some bytes (enough for the magic-byte check).
    static let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x42, count: 200)
}
