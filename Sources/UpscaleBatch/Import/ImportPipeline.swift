import Dispatch
import Synchronization

/// Reads and validates the CSV on a Dispatch queue while the store inserts, so the two halves
/// of an import use both cores (reading and validating a million rows costs about a third of a
/// second that SQLite's own work need not wait for), and a slow input (a pipe, standard input)
/// blocks a Dispatch thread of its own, never a thread of the cooperative pool.
///
/// The batches go through a bounded `ImportBatchChannel` (a few batches): when the consumer is
/// behind, the reader is not scheduled again until it has taken one, so memory stays flat.
/// Order is kept: steps arrive in file order, and so do the rejections within them.
///
/// No lock is shared with the consumer beyond the channel's: the producer's input (reader,
/// validator, spool) sits in a `Mutex` that only the queue's work items take, one at a time,
/// which is what lets the compiler prove the pipeline `Sendable`.
final class ImportPipeline: Sendable {
    /// What the consumer receives, in order.
    enum Step: Sendable {
        /// Rows and rejections of a stretch of the input. With a spool, the rows of the first
        /// pass are kept aside instead, so those batches carry rejections only.
        case batch(ImportBatch)
        /// With a spool: the input has been read to its end and every rejection handed over;
        /// the batches that follow are the spooled rows, for the store.
        case inputRead
    }

    /// Batches that may wait for the consumer.
    static let capacity = 4

    private let file: String
    private let queue = DispatchQueue(label: "upscale-batch.import-reader")
    private let channel = ImportBatchChannel<Result<Step, ImportError>>(capacity: ImportPipeline.capacity)
    private let producer: Mutex<ImportBatches?>

    /// A pipeline over `reader`, its rows judged by `validator`; with `spool`, the input is
    /// read to its end first (rows into the spool) and then the spool is replayed.
    init(reader: sending CSVReader, validator: RowValidator, file: String, spool: sending ImportSpool?) {
        self.file = file
        producer = Mutex(ImportBatches(reader: reader, validator: validator, file: file, spool: spool))
    }

    /// Starts reading. Call once.
    func start() {
        queue.async { self.produce() }
    }

    /// The next step in file order, nil at the end; suspends while the reader is behind.
    /// Throws what reading the input threw, or `.stopped` after `cancel()`.
    func next() async throws(ImportError) -> Step? {
        guard let item = await channel.next() else {
            if channel.isCancelled { throw .stopped(file: file) }
            return nil
        }
        return try item.get()
    }

    /// Stops the reader (the import failed or was cancelled): it lets go of the input at its
    /// next step. Returns at once; safe to call more than once and after the end.
    func cancel() {
        channel.cancel()
    }

    /// Whether the reader is stopped for want of room (for tests of the backpressure).
    var readerIsWaiting: Bool { channel.producerIsParked }

    /// Whether the reader still holds its input (for tests: it lets go once done or cancelled).
    var holdsInput: Bool { producer.withLock { $0 != nil } }

    /// One turn on the queue: reads steps and offers them until the channel is full (the
    /// consumer's next take schedules the next turn), the input ends, or the consumer left.
    private func produce() {
        while true {
            let step: Result<Step, ImportError>?
            if channel.isCancelled {
                step = nil
            } else {
                step = producer.withLock { batches -> Result<Step, ImportError>? in
                    do throws(ImportError) {
                        return try batches?.next().map { Result<Step, ImportError>.success($0) }
                    } catch {
                        return .failure(error)
                    }
                }
            }
            guard let step else {
                channel.finish()
                release()
                return
            }
            let isLast = if case .failure = step { true } else { false }
            switch channel.offer(step, isLast: isLast, resume: { self.queue.async { self.produce() } }) {
            case .room where !isLast:
                continue
            case .room:
                release()
                return
            case .full:
                return
            case .cancelled:
                release()
                return
            }
        }
    }

    /// Lets go of the input (closing the file) and the spool.
    private func release() {
        producer.withLock { $0 = nil }
    }
}
