/// Why downloads cannot start at all (the command's exit 2): the output directory cannot be
/// created or written, a CA file cannot be read.
public struct DownloadSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
