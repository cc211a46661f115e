import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a whole file atomically: a temporary file in the same directory (so the rename
/// never crosses file systems), flushed to disk, then renamed over the target. A reader (a
/// mail job, node_exporter's textfile collector, a web server) sees the old file or the new
/// one, never half of one; a failure leaves the old file as it was.
enum AtomicFile {
    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `contents` to `path`. The new file gets the permissions a plain create would
    /// (0666 less the umask), not mkstemp's 0600.
    static func write(_ contents: String, to path: String) throws(WriteError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var template = Array((directory + "/." + url.lastPathComponent + ".tmp.XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failed: String?
        let mask = umask(0)
        umask(mask)
        if fchmod(fd, 0o666 & ~mask) != 0 { failed = String(cString: strerror(errno)) }
        var bytes = Array(contents.utf8)
        var offset = 0
        while failed == nil && offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failed = String(cString: strerror(errno))
            } else {
                offset += written
            }
        }
        if failed == nil && fsync(fd) != 0 { failed = String(cString: strerror(errno)) }
        if close(fd) != 0 && failed == nil { failed = String(cString: strerror(errno)) }
        if failed == nil && rename(temporary, path) != 0 { failed = String(cString: strerror(errno)) }
        if let failed {
            unlink(temporary)
            throw WriteError(path: path, reason: failed)
        }
    }
}

/// `write(2)`, which inside `AtomicFile` would name `AtomicFile.write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
    #else
        Darwin.write(fd, bytes, count)
    #endif
}
