import Foundation
import NIOCore
import NIOPosix

/// The temporary file a result is streamed into (`.<job id>-<base>.partial`, in the output
/// directory), fsync'd and renamed to its final name only once complete, so the final name
/// only ever holds whole results.
///
/// The file is `flock`ed while in use: a second process (a `download` beside a
/// `run --download`) finds it locked and leaves the job alone, while a `.partial` left by a
/// killed process is unlocked (the lock died with it) and is truncated and written afresh.
/// Opened with `O_NOFOLLOW`, so a planted symlink is never written through. Every blocking
/// call runs on NIO's thread pool, never on the concurrency pool. Owned by one task.
final class PartialFile {
    let path: String
    private let directory: String
    private var descriptor: Int32?

    private init(path: String, directory: String, descriptor: Int32) {
        self.path = path
        self.directory = directory
        self.descriptor = descriptor
    }

    /// Opens, locks and empties the partial file; nil when another process holds it.
    static func open(directory: String, stem: String) async throws(DownloadFailure) -> PartialFile? {
        let path = directory + "/" + ResultFileName.partialName(stem: stem)
        let opened: Int32?
        do {
            opened = try await NIOThreadPool.singleton.runIfActive { try lockedDescriptor(path: path) }
        } catch let failure as DownloadFailure {
            throw failure
        } catch {
            throw DownloadFailure("cannot open \(path): \(error)", permanent: false)
        }
        return opened.map { PartialFile(path: path, directory: directory, descriptor: $0) }
    }

    /// Appends `buffer`.
    func write(_ buffer: ByteBuffer) async throws(DownloadFailure) {
        guard let descriptor, buffer.readableBytes > 0 else { return }
        let path = self.path
        try await run {
            try buffer.withUnsafeReadableBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw Self.posixFailure("cannot write \(path)")
                    }
                    offset += written
                }
            }
        }
    }

    /// fsyncs the file, renames it to `finalName` in the same directory, fsyncs the directory
    /// (so the rename survives a power cut), and releases the lock. Returns the final path.
    func commit(finalName: String) async throws(DownloadFailure) -> String {
        guard let descriptor else { throw DownloadFailure("partial file already closed", permanent: false) }
        let (path, directory) = (self.path, self.directory)
        let finalPath = directory + "/" + finalName
        self.descriptor = nil
        try await run {
            defer { close(descriptor) }
            guard fsync(descriptor) == 0 else { throw Self.posixFailure("cannot fsync \(path)") }
            guard rename(path, finalPath) == 0 else { throw Self.posixFailure("cannot rename \(path) to \(finalPath)") }
            let directoryDescriptor = Foundation.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directoryDescriptor >= 0 {
                _ = fsync(directoryDescriptor)
                close(directoryDescriptor)
            }
        }
        return finalPath
    }

    /// Deletes the partial file (still under our lock) and closes it. Safe to call twice.
    func discard() async {
        guard let descriptor else { return }
        self.descriptor = nil
        let path = self.path
        try? await run {
            unlink(path)
            close(descriptor)
        }
    }

    private func run(_ body: @escaping @Sendable () throws -> Void) async throws(DownloadFailure) {
        do {
            try await NIOThreadPool.singleton.runIfActive(body)
        } catch let failure as DownloadFailure {
            throw failure
        } catch {
            throw DownloadFailure("local file error: \(error)", permanent: false)
        }
    }

    /// open + flock(LOCK_NB) + check that the locked inode is still the one at `path` (a
    /// winner may have renamed it into place meanwhile) + truncate. nil when locked elsewhere.
    private static func lockedDescriptor(path: String) throws -> Int32? {
        for _ in 0..<3 {
            let descriptor = Foundation.open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw posixFailure("cannot open \(path)") }
            if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(descriptor)
                if code == EWOULDBLOCK { return nil }
                errno = code
                throw posixFailure("cannot lock \(path)")
            }
            var opened = stat()
            var named = stat()
            guard fstat(descriptor, &opened) == 0 else {
                close(descriptor)
                throw posixFailure("cannot stat \(path)")
            }
            guard lstat(path, &named) == 0, named.st_ino == opened.st_ino, named.st_dev == opened.st_dev else {
                close(descriptor)
                continue  // renamed or replaced after our open: try again with the new file
            }
            guard ftruncate(descriptor, 0) == 0 else {
                close(descriptor)
                throw posixFailure("cannot truncate \(path)")
            }
            return descriptor
        }
        return nil
    }

    private static func posixFailure(_ what: String) -> DownloadFailure {
        DownloadFailure("\(what): \(String(cString: strerror(errno)))", permanent: false)
    }
}
