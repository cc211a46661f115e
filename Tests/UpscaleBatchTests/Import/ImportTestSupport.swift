import Foundation
import GRDB
import Synchronization
import TestSupport

@testable import UpscaleBatch

/// Helpers for the import tests: CSV text written to real files, read back through the reader.
enum ImportTestSupport {
    /// Rejected rows as an import reports them (from whichever task reads its rows).
    final class Rejections: Sendable {
        private let collected = Mutex<[RejectedRow]>([])

        func append(_ row: RejectedRow) { collected.withLock { $0.append(row) } }

        var rows: [RejectedRow] { collected.withLock { $0 } }
    }

    /// Writes `bytes` to a file in `directory` and returns its path.
    static func write(_ bytes: [UInt8], to directory: TemporaryDirectory, name: String = "input.csv") throws -> String {
        let path = directory.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func write(_ text: String, to directory: TemporaryDirectory, name: String = "input.csv") throws -> String {
        try write(Array(text.utf8), to: directory, name: name)
    }

    /// Everything a reader yields for `bytes`, read in chunks of `chunkSize`.
    static func readAll(
        _ bytes: [UInt8], chunkSize: Int = CSVReader.defaultChunkSize,
        maxFieldBytes: Int = CSVReader.defaultMaxFieldBytes
    ) throws -> [CSVReadResult] {
        let directory = TemporaryDirectory()
        let path = try write(bytes, to: directory)
        return try readAll(path: path, chunkSize: chunkSize, maxFieldBytes: maxFieldBytes)
    }

    static func readAll(_ text: String, chunkSize: Int = CSVReader.defaultChunkSize) throws -> [CSVReadResult] {
        try readAll(Array(text.utf8), chunkSize: chunkSize)
    }

    static func readAll(
        path: String, chunkSize: Int = CSVReader.defaultChunkSize, maxFieldBytes: Int = CSVReader.defaultMaxFieldBytes
    ) throws -> [CSVReadResult] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw CSVReaderError.readFailed(errno: errno) }
        let reader = CSVReader(
            fileDescriptor: descriptor, closeWhenDone: true, chunkSize: chunkSize, maxFieldBytes: maxFieldBytes)
        var results: [CSVReadResult] = []
        while let result = try reader.next() { results.append(result) }
        return results
    }

    /// A compact, comparable view of reader output: `line: [fields]` or `line: !reason`.
    static func summarize(_ results: [CSVReadResult]) -> [String] {
        results.map { result in
            switch result {
            case .record(let record): "\(record.line): \(record.strings)"
            case .rejected(let row): "\(row.line): !\(row.reason)"
            }
        }
    }

    /// The records' fields only (rejections dropped).
    static func fields(_ results: [CSVReadResult]) -> [[String]] {
        results.compactMap { result in
            if case .record(let record) = result { return record.strings }
            return nil
        }
    }

    /// The test fixtures folder (copied into the test bundle).
    static var fixtures: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }

    /// Every job in the store, ordered by id: (batch name, url, mode).
    static func jobs(in store: SQLiteJobStore) throws -> [[String]] {
        try store.database.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT b.name || '|' || j.url || '|' || j.mode FROM jobs j JOIN batches b ON b.id = j.batch_id ORDER BY j.id"
            ).map { $0.components(separatedBy: "|") }
        }
    }
}
