import Foundation
import Synchronization
import UpscaleBatch

extension ImportCommand {
    /// Prints rejected rows as `FILE:LINE: reason` on standard error, buffered: a million of
    /// them would otherwise be a million writes. The import reports them from whichever task
    /// reads its rows, hence the lock; `flush()` before anything else is printed.
    final class RejectionPrinter: Sendable {
        /// Written out once this much is buffered.
        static let flushBytes = 64 * 1024

        private let shownFile: String
        private let pending = Mutex<[UInt8]>([])

        init(file: String) {
            shownFile = TextEscaping.visible(file)
        }

        func report(_ row: RejectedRow) {
            // Written under the lock, so lines can never leave out of order.
            pending.withLock { pending in
                pending.append(contentsOf: "\(shownFile):\(row.line): \(row.reason)\n".utf8)
                if pending.count >= Self.flushBytes { Self.write(&pending) }
            }
        }

        /// Writes what is buffered.
        func flush() {
            pending.withLock { Self.write(&$0) }
        }

        private static func write(_ bytes: inout [UInt8]) {
            guard !bytes.isEmpty else { return }
            FileHandle.standardError.write(Data(bytes))
            bytes.removeAll(keepingCapacity: true)
        }
    }
}
