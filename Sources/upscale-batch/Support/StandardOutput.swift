import Foundation
import UpscaleBatch

/// Buffered standard output: streaming commands write through it in 64 KiB chunks, and
/// `flush()` pushes the rest (a killed process loses unflushed output, so flush at the end).
struct StandardOutput: TextSink {
    private var buffer: [UInt8] = []
    private static let chunk = 64 * 1024

    init() { buffer.reserveCapacity(Self.chunk) }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.chunk { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `text` and flushes at once: for short outputs.
    static func print(_ text: String) {
        var output = StandardOutput()
        output.write(text)
        output.flush()
    }
}
