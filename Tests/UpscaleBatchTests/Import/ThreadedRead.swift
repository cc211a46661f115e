import Foundation

/// Reads a file handle to its end on a background thread (so two pipes can drain at once).
final class ThreadedRead: @unchecked Sendable {
    // @unchecked: `data` is written once by the reading thread before `done` is signalled,
    // and read only after waiting on `done`.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
