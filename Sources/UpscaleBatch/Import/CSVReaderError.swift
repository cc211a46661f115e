#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading the input itself failed (not a malformed record: those are rejections).
public enum CSVReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `read(2)` failed with this errno (EISDIR for a directory, EIO, ...).
    case readFailed(errno: Int32)

    public var description: String {
        switch self {
        case .readFailed(let code): String(cString: strerror(code))
        }
    }
}
