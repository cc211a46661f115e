/// Where one job stands with respect to keeping its result.
public enum JobDownloadState: Sendable, Equatable {
    /// No such job, not COMPLETED, or no result URL yet.
    case notReady
    /// A download is recorded (`downloaded_at` set).
    case downloaded
    /// COMPLETED with a result URL and nothing downloaded yet.
    case pending(PendingDownload)
}
