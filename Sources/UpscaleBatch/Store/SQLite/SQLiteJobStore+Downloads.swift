import GRDB

/// The store side of keeping results: which COMPLETED jobs still need their result image
/// downloaded, and what a download did (columns `download_path`, `download_bytes`,
/// `download_sha256`, `downloaded_at`, `download_error`).
///
/// A job is pending while `downloaded_at` is NULL (the partial index `jobs_to_download`), so a
/// failed download is retried by the next pass, except a permanent failure (its
/// `download_error` starts with `DownloadFailure.permanentPrefix`), which passes leave alone
/// unless asked to retry it.
extension SQLiteJobStore {
    /// The next pending downloads after `afterID`, in id order: callers page through them so a
    /// million jobs never load at once.
    public func pendingDownloads(
        batch: String?, afterID: Int64, limit: Int, includingPermanentFailures: Bool = false
    ) async throws(StoreError) -> [PendingDownload] {
        try await read { db in
            var sql = """
                SELECT id, url, result_url FROM jobs
                WHERE state = 'COMPLETED' AND result_url IS NOT NULL AND downloaded_at IS NULL AND id > ?
                """
            var arguments: StatementArguments = [afterID]
            if let batch {
                sql += " AND batch_id = \(StoreSQL.batchNamed)"
                _ = arguments.append(contentsOf: [batch])
            }
            if !includingPermanentFailures {
                sql += " AND (download_error IS NULL OR substr(download_error, 1, ?) <> ?)"
                _ = arguments.append(contentsOf: [DownloadFailure.permanentPrefix.count, DownloadFailure.permanentPrefix])
            }
            sql += " ORDER BY id LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                PendingDownload(jobID: $0["id"], sourceURL: $0["url"], resultURL: $0["result_url"])
            }
        }
    }

    /// Whether job `jobID` has a result to download, has one downloaded, or neither.
    public func downloadState(jobID: Int64) async throws(StoreError) -> JobDownloadState {
        try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT id, url, state, result_url, downloaded_at FROM jobs WHERE id = ?", arguments: [jobID])
            else { return .notReady }
            if (row["downloaded_at"] as String?) != nil { return .downloaded }
            guard (row["state"] as String) == JobState.completed.rawValue, let result: String = row["result_url"] else {
                return .notReady
            }
            return .pending(PendingDownload(jobID: jobID, sourceURL: row["url"], resultURL: result))
        }
    }

    /// Counts over COMPLETED jobs (of `batch`): results already downloaded, and pending ones
    /// that an earlier pass failed permanently.
    public func downloadCounts(batch: String?) async throws(StoreError) -> (downloaded: Int, permanentFailures: Int) {
        try await read { db in
            var sql = """
                SELECT count(downloaded_at) AS downloaded,
                       coalesce(sum(downloaded_at IS NULL AND substr(download_error, 1, ?) = ?), 0) AS permanent
                FROM jobs WHERE state = 'COMPLETED' AND result_url IS NOT NULL
                """
            var arguments: StatementArguments = [DownloadFailure.permanentPrefix.count, DownloadFailure.permanentPrefix]
            if let batch {
                sql += " AND batch_id = \(StoreSQL.batchNamed)"
                _ = arguments.append(contentsOf: [batch])
            }
            let row = try Row.fetchOne(db, sql: sql, arguments: arguments)
            return (row?["downloaded"] ?? 0, row?["permanent"] ?? 0)
        }
    }

    /// Records a kept result: path, size, SHA-256, the time (ISO-8601 UTC), and clears any
    /// earlier error. Returns false when the job was no longer a COMPLETED job.
    @discardableResult
    public func recordDownload(jobID: Int64, file: DownloadedFile) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET download_path = ?, download_bytes = ?, download_sha256 = ?,
                           downloaded_at = \(StoreSQL.now), download_error = NULL, updated_at = \(StoreSQL.now)
                    WHERE id = ? AND state = 'COMPLETED'
                    """,
                arguments: [file.path, file.bytes, file.sha256, jobID])
            return db.changesCount > 0
        }
    }

    /// Records why a download failed; the job stays COMPLETED and (unless another process
    /// finished the download meanwhile) pending.
    public func recordDownloadFailure(jobID: Int64, failure: DownloadFailure) async throws(StoreError) {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET download_error = ?, updated_at = \(StoreSQL.now)
                    WHERE id = ? AND downloaded_at IS NULL
                    """,
                arguments: [String(failure.storedText.prefix(1000)), jobID])
        }
    }
}
