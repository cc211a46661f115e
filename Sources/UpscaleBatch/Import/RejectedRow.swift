/// A row the import could not take, with the line where its record starts and a short,
/// actionable reason; reported as `FILE:LINE: reason` and never stored.
public struct RejectedRow: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line where the record starts.
    public let line: Int
    /// Why the row was rejected, e.g. `URL is not http(s): ftp://example.com/a.jpg`.
    public let reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}
