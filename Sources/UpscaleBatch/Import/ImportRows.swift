import Synchronization

/// The import's rows as the store contract reads them (`ImportRowSource`): each batch's
/// rejections are reported (`onRejected`, in file order) and counted before the batch is
/// handed over, so a rejection is never later than the rows around it.
final class ImportRows: ImportRowSource {
    private let pipeline: ImportPipeline
    private let onRejected: @Sendable (RejectedRow) -> Void
    private let rejections = Mutex(0)

    init(pipeline: ImportPipeline, onRejected: @escaping @Sendable (RejectedRow) -> Void) {
        self.pipeline = pipeline
        self.onRejected = onRejected
    }

    /// Rows reported as rejected so far.
    var rejected: Int { rejections.withLock { $0 } }

    /// Reads the rest of a spooled input's first pass: every rejection is reported, every row
    /// kept aside, and the input has ended when this returns (no lock of the store is held).
    func readInput() async throws(ImportError) {
        while let step = try await nextStep() {
            if case .inputRead = step { return }
        }
    }

    func next() async throws -> ImportBatch? {
        while let step = try await nextStep() {
            if case .batch(let batch) = step, !batch.rows.isEmpty { return batch }
        }
        return nil
    }

    /// The pipeline's next step, its rejections reported; cancelling the task stops the reader
    /// and the import (`ImportError.stopped`: nothing is stored).
    private func nextStep() async throws(ImportError) -> ImportPipeline.Step? {
        let result = await withTaskCancellationHandler { () async -> Result<ImportPipeline.Step?, ImportError> in
            do throws(ImportError) { return .success(try await pipeline.next()) } catch { return .failure(error) }
        } onCancel: {
            pipeline.cancel()
        }
        let step = try result.get()
        if case .batch(let batch) = step, !batch.rejections.isEmpty {
            rejections.withLock { $0 += batch.rejections.count }
            for row in batch.rejections { onRejected(row) }
        }
        return step
    }
}
