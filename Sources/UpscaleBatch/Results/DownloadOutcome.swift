/// What happened to one job's result.
public enum DownloadOutcome: Sendable, Equatable {
    /// Written, fsync'd, renamed into place and recorded.
    case downloaded(DownloadedFile)
    /// Not kept; the reason is recorded in `download_error`.
    case failed(DownloadFailure)
    /// The store already records a download for this job.
    case alreadyDownloaded
    /// Another process holds this job's `.partial` file (e.g. `download` during `run --download`).
    case inProgressElsewhere
    /// No such job, not COMPLETED, or no result URL yet: nothing to download.
    case notReady
}
