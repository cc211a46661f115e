import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Imports a CSV of image URLs into the job store (`upscale-batch import`).
///
/// Two steps, so that a file that cannot be imported never creates a store: `init` opens the
/// file and reads its header (missing file, empty file, no url column: `ImportError`), then
/// `run(into:)` streams the rows into the store in one transaction, reporting each rejected
/// row through a callback as it happens (a million bad rows are never held in memory).
///
/// One importer reads its input once: the reader is handed to the import's pipeline, which
/// owns it from then on.
public final class JobImporter: Sendable {
    /// The file as the user named it (`-` for standard input): the FILE of `FILE:LINE: reason`.
    public let file: String
    /// The header's interpretation: which columns hold the URL and the mode.
    public let validator: RowValidator
    /// The reader past the header, until `run` hands it to its pipeline.
    private let reader: Mutex<CSVReader?>
    /// True when the input may keep the import waiting (a pipe, standard input, a device): its
    /// rows are read and validated to the end before the store's write lock is taken.
    let stagesInput: Bool

    /// Opens `path` (`-` reads standard input) and reads its header row.
    /// - Parameters:
    ///   - defaultMode: the mode of rows without one (`--mode`).
    ///   - chunkSize: bytes read at a time; tests make it tiny to cross chunk boundaries.
    ///   - maxFieldBytes: the longest field kept (64 KiB); tests lower it.
    public init(
        path: String, defaultMode: Mode = .fast,
        chunkSize: Int = CSVReader.defaultChunkSize, maxFieldBytes: Int = CSVReader.defaultMaxFieldBytes
    ) throws(ImportError) {
        file = path
        let descriptor: Int32
        if path == "-" {
            descriptor = STDIN_FILENO
        } else {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                throw .cannotOpen(file: path, reason: String(cString: strerror(errno)))
            }
        }
        var info = stat()
        stagesInput = fstat(descriptor, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG
        let reader = CSVReader(
            fileDescriptor: descriptor, closeWhenDone: path != "-", chunkSize: chunkSize,
            maxFieldBytes: maxFieldBytes)
        let first: CSVReadResult?
        do {
            first = try reader.next()
        } catch {
            throw .unreadable(file: path, reason: error.description)
        }
        switch first {
        case nil:
            throw .empty(file: path)
        case .rejected(let row):
            throw .badHeader(file: path, line: row.line, reason: row.reason)
        case .record(let header):
            guard let validator = RowValidator(header: header.strings, defaultMode: defaultMode) else {
                throw .noURLColumn(file: path, header: header.strings)
            }
            self.validator = validator
        }
        self.reader = Mutex(reader)
    }

    /// `init` on a Dispatch thread: reading the header may wait for a pipe or standard input,
    /// which must not hold a thread of the cooperative pool. What the commands call.
    public static func reading(
        path: String, defaultMode: Mode = .fast
    ) async throws(ImportError) -> JobImporter {
        let opened = await withCheckedContinuation { (done: CheckedContinuation<Result<JobImporter, ImportError>, Never>) in
            // A queue of its own: a thread that may wait long on a pipe is not taken from the
            // few of the global pool that the store's work runs on.
            DispatchQueue(label: "upscale-batch.import-header").async {
                done.resume(returning: Result { () throws(ImportError) in try JobImporter(path: path, defaultMode: defaultMode) })
            }
        }
        return try opened.get()
    }

    /// The batch name used when none is given: the file's base name (`stdin` for standard
    /// input) and the UTC date, e.g. `nightly.csv@2026-11-25`.
    /// Invisible characters of the file name are escaped, so the name obeys `BatchName`.
    public static func defaultBatchName(file: String, date: Date = Date()) -> String {
        let base = file == "-" ? "stdin" : TextEscaping.visible((file as NSString).lastPathComponent)
        return "\(base)@\(UTCTime.day(date))"
    }

    /// Reads every row into `store` in one transaction and returns the counts. From a pipe or
    /// standard input, the rows are read and validated to the end first (kept in a temporary
    /// file, `ImportSpool`) and rejections reported then; the write lock is taken only to write.
    /// The input is read on a Dispatch queue (`ImportPipeline`), never on the caller's thread.
    /// - Parameters:
    ///   - batchName: the batch to create or add to; nil for `defaultBatchName`.
    ///   - date: the import's time: `created_at` of its jobs and the default batch's date.
    ///   - onRejected: called once per rejected row, in file order, before the rows that
    ///     follow it are handed to the store.
    /// - Throws: `ImportError.unreadable` when reading fails part-way, `.store` when the store
    ///   does, `.stopped` when the task is cancelled; in every case nothing of this import is
    ///   stored.
    public func run(
        into store: any JobStore, batchName: String? = nil, date: Date = Date(),
        onRejected: @escaping @Sendable (RejectedRow) -> Void
    ) async throws(ImportError) -> ImportSummary {
        // Computed once, so every job of one import carries the same `created_at`.
        let timestamp = UTCTime.milliseconds(date)
        let name = batchName ?? Self.defaultBatchName(file: file, date: date)
        guard let reader = reader.withLock({ $0.take() }) else {
            throw .unreadable(file: file, reason: "this input was already imported")
        }
        // A slow input is read to its end first, holding no lock; then the lock is taken only
        // to write. A regular file never waits: it is written as it is read.
        let spool = stagesInput ? try ImportSpool() : nil
        let pipeline = ImportPipeline(reader: reader, validator: validator, file: file, spool: spool)
        defer { pipeline.cancel() }
        let rows = ImportRows(pipeline: pipeline, onRejected: onRejected)
        pipeline.start()
        if stagesInput { try await rows.readInput() }
        let imported: ImportedRows
        do {
            imported = try await store.importJobs(
                batchName: name, sourceFile: file == "-" ? "stdin" : file, timestamp: timestamp, rows: rows)
        } catch let error as ImportError {
            throw error
        } catch let error as StoreError {
            throw .store(error)
        } catch is CancellationError {
            throw .stopped(file: file)
        } catch {
            throw .store(.sqlite(path: store.displayName, detail: "\(error)"))
        }
        return ImportSummary(imported: imported.inserted, duplicates: imported.duplicates, rejected: rows.rejected)
    }
}
