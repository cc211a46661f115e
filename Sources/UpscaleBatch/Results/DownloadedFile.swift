/// A result kept on disk, as recorded in the store.
public struct DownloadedFile: Sendable, Equatable {
    /// Absolute path of the file (also stored in `download_path`).
    public var path: String
    public var bytes: Int64
    /// Lowercase hex SHA-256 of the file's bytes (`download_sha256`).
    public var sha256: String

    public init(path: String, bytes: Int64, sha256: String) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }
}
