import Foundation

/// Reads and validates the CSV on a thread of its own while the caller inserts, so the two
/// halves of an import use both cores: measured here, reading and validating a million rows
/// costs about a third of a second that SQLite's own work no longer waits for.
///
/// A bounded queue (a few batches) keeps memory flat: the reader waits when the inserter is
/// behind. Order is kept: batches arrive in file order, and so do the rejections within them.
final class ImportPipeline: @unchecked Sendable {
    // @unchecked: `reader` and `validator` are used by the reading thread only, from `start()`
    // until it has posted the end of the stream (or seen `cancel()`); everything the two
    // threads share is behind `condition`.
    private let reader: CSVReader
    private let validator: RowValidator
    private let file: String
    private let condition = NSCondition()
    private var queue: [Result<ImportBatch, ImportError>] = []
    private var finished = false
    private var cancelled = false
    private var readerDone = false
    private static let capacity = 4

    init(reader: CSVReader, validator: RowValidator, file: String) {
        self.reader = reader
        self.validator = validator
        self.file = file
    }

    /// Starts the reading thread.
    func start() {
        let thread = Thread { [self] in produce() }
        thread.name = "upscale-batch.import-reader"
        thread.start()
    }

    /// The next batch in file order, nil at the end; waits while the reader is behind.
    func next() throws(ImportError) -> ImportBatch? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let item = queue.removeFirst()
        condition.broadcast()
        return try item.get()
    }

    /// Stops the reader (the import failed) and waits until it has let go of the file.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !readerDone { condition.wait() }
        condition.unlock()
    }

    private func produce() {
        var batch = ImportBatch()
        loop: while true {
            let result: CSVReadResult?
            do {
                result = try reader.next()
            } catch {
                post(.failure(.unreadable(file: file, reason: error.description)))
                break loop
            }
            switch result {
            case nil:
                if !batch.isEmpty { post(.success(batch)) }
                break loop
            case .rejected(let row):
                batch.rejections.append(row)
            case .record(let record):
                switch validator.validate(record) {
                case .job(let url, let mode):
                    batch.urlBytes.append(contentsOf: url)
                    batch.rows.append((batch.urlBytes.count, mode))
                case .blank:
                    break
                case .rejected(let reason):
                    batch.rejections.append(RejectedRow(line: record.line, reason: reason))
                }
            }
            if batch.isFull {
                if !post(.success(batch)) { break loop }
                batch = ImportBatch()
            }
        }
        condition.lock()
        finished = true
        readerDone = true
        condition.broadcast()
        condition.unlock()
    }

    /// Queues an item, waiting while the queue is full; false once cancelled.
    @discardableResult
    private func post(_ item: Result<ImportBatch, ImportError>) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        queue.append(item)
        condition.broadcast()
        return true
    }
}
