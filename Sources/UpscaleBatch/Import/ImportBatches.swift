/// The import's input as steps of `ImportPipeline`, produced one at a time on the pipeline's
/// queue: the CSV read and validated in batches of up to 2,000 rows; with a spool, first the
/// whole input (rows kept aside, rejections handed on), then `inputRead`, then the spooled rows.
///
/// Every call may block on the input (a pipe that has not written yet, standard input): that
/// is why it runs on a Dispatch queue and not in a task.
struct ImportBatches {
    private enum Phase {
        case reading
        /// The spooled input has ended and its last rejections went out: `inputRead` is next.
        case inputRead
        case replaying
        case ended
    }

    private let reader: CSVReader
    private let validator: RowValidator
    private let file: String
    private let spool: ImportSpool?
    private var phase = Phase.reading

    init(reader: CSVReader, validator: RowValidator, file: String, spool: ImportSpool?) {
        self.reader = reader
        self.validator = validator
        self.file = file
        self.spool = spool
    }

    /// The next step, nil after the last.
    mutating func next() throws(ImportError) -> ImportPipeline.Step? {
        switch phase {
        case .ended:
            return nil
        case .inputRead:
            phase = .replaying
            return .inputRead
        case .replaying:
            guard let batch = try spool?.next() else {
                phase = .ended
                return nil
            }
            return .batch(batch)
        case .reading:
            while true {
                let (read, inputEnded) = try readBatch()
                if inputEnded {
                    if let spool {
                        try spool.append(read)
                        try spool.rewind()
                        // The last rejections first, then the mark that the input was read.
                        phase = .inputRead
                        if !read.rejections.isEmpty { return .batch(Self.rejectionsOnly(read)) }
                        return try next()
                    }
                    phase = .ended
                    return read.isEmpty ? nil : .batch(read)
                }
                guard let spool else { return .batch(read) }
                try spool.append(read)
                if !read.rejections.isEmpty { return .batch(Self.rejectionsOnly(read)) }
            }
        }
    }

    /// Reads until a batch is full or the input ends (then `inputEnded` is true).
    private func readBatch() throws(ImportError) -> (ImportBatch, inputEnded: Bool) {
        var batch = ImportBatch()
        while !batch.isFull {
            let result: CSVReadResult?
            do {
                result = try reader.next()
            } catch {
                throw .unreadable(file: file, reason: error.description)
            }
            switch result {
            case nil:
                return (batch, true)
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
        }
        return (batch, false)
    }

    private static func rejectionsOnly(_ batch: ImportBatch) -> ImportBatch {
        var rejections = ImportBatch()
        rejections.rejections = batch.rejections
        return rejections
    }
}
