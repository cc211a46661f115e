import PostgresNIO

/// Keeping results, as on SQLite (`SQLiteJobStore+Downloads`), plus the host: a result is a
/// file on the host that fetched it, so each kept result records `download_host` beside its
/// path (several hosts share one PostgreSQL store).
extension PostgresJobStore {
    public func pendingDownloads(
        batch: String?, afterID: Int64, limit: Int, includingPermanentFailures: Bool
    ) async throws(StoreError) -> [PendingDownload] {
        let prefix = DownloadFailure.permanentPrefix
        return try await read { [self] connection in
            try await rows(
                """
                SELECT id, url, result_url FROM jobs
                WHERE state = 'COMPLETED' AND result_url IS NOT NULL AND downloaded_at IS NULL AND id > \(afterID)
                  AND \(batch: batch, column: "batch_id")
                  AND (\(includingPermanentFailures) OR download_error IS NULL
                       OR substr(download_error, 1, \(Int64(prefix.count))::int) <> \(prefix))
                ORDER BY id LIMIT \(Int64(limit))
                """, on: connection
            ).map { row in
                let (id, url, result) = try row.decode((Int64, String, String).self)
                return PendingDownload(jobID: id, sourceURL: url, resultURL: result)
            }
        }
    }

    public func downloadState(jobID: Int64) async throws(StoreError) -> JobDownloadState {
        try await read { [self] connection in
            guard
                let row = try await rows(
                    "SELECT url, state, result_url, downloaded_at FROM jobs WHERE id = \(jobID)", on: connection
                ).first
            else { return JobDownloadState.notReady }
            let (url, state, result, downloadedAt) = try row.decode((String, String, String?, String?).self)
            if downloadedAt != nil { return .downloaded }
            guard state == JobState.completed.rawValue, let result else { return .notReady }
            return .pending(PendingDownload(jobID: jobID, sourceURL: url, resultURL: result))
        }
    }

    public func downloadCounts(batch: String?) async throws(StoreError) -> (downloaded: Int, permanentFailures: Int) {
        let prefix = DownloadFailure.permanentPrefix
        let counts = try await read { [self] connection in
            let row = try await rows(
                """
                SELECT count(downloaded_at),
                       count(*) FILTER (WHERE downloaded_at IS NULL
                                        AND substr(download_error, 1, \(Int64(prefix.count))::int) = \(prefix))
                FROM jobs WHERE state = 'COMPLETED' AND result_url IS NOT NULL AND \(batch: batch, column: "batch_id")
                """, on: connection
            ).first
            let (downloaded, permanent) = try row?.decode((Int, Int).self) ?? (0, 0)
            return [downloaded, permanent]
        }
        return (counts[0], counts[1])
    }

    public func recordDownload(jobID: Int64, file: DownloadedFile) async throws(StoreError) -> Bool {
        let host = RunIdentity.localHost
        return try await write { [self] connection in
            !(try await rows(
                """
                UPDATE jobs SET download_path = \(file.path), download_host = \(host), download_bytes = \(file.bytes),
                       download_sha256 = \(file.sha256), downloaded_at = \(unescaped: PGSQL.now), download_error = NULL,
                       updated_at = \(unescaped: PGSQL.now)
                WHERE id = \(jobID) AND state = 'COMPLETED'
                RETURNING id
                """, on: connection
            ).isEmpty)
        }
    }

    public func recordDownloadFailure(jobID: Int64, failure: DownloadFailure) async throws(StoreError) {
        let text = String(failure.storedText.prefix(1000))
        try await write { [self] connection in
            try await execute(
                """
                UPDATE jobs SET download_error = \(text), updated_at = \(unescaped: PGSQL.now)
                WHERE id = \(jobID) AND downloaded_at IS NULL
                """, on: connection)
        }
    }
}
