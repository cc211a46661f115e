/// A COMPLETED job whose result is not downloaded yet: what the downloader needs to fetch it.
public struct PendingDownload: Sendable, Equatable {
    public var jobID: Int64
    /// The imported image URL: the kept file's name is derived from it.
    public var sourceURL: String
    /// Where the API put the result (expires, sometimes within the hour).
    public var resultURL: String

    public init(jobID: Int64, sourceURL: String, resultURL: String) {
        self.jobID = jobID
        self.sourceURL = sourceURL
        self.resultURL = resultURL
    }
}
