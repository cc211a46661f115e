import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Validated rows of an import whose input may keep it waiting (a pipe, standard input), kept
/// in an unlinked temporary file until the input has ended, so the store's write lock is taken
/// only to write them (a slow pipe blocks no other command).
///
/// Each `ImportBatch` is written as one frame: row count and byte count (UInt32, little
/// endian), each row's end offset (UInt32) and mode (one byte), then the URLs' bytes. Bulk
/// writes and reads per batch of 2,000 rows: no work per row beyond copying its bytes, and a
/// million rows cost about their own size in TMPDIR, never in memory.
final class ImportSpool {
    private let handle: FileHandle

    /// Creates the temporary file in `TMPDIR` (else /tmp) and unlinks it at once: it vanishes
    /// with the process, whatever ends it.
    init() throws(ImportError) {
        var template = Array((NSTemporaryDirectory() + "upscale-batch-import-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw .staging(
                reason: "cannot create a temporary file in \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))")
        }
        unlink(template)
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Appends one batch's rows (its rejections are reported by the caller, not kept).
    func append(_ batch: ImportBatch) throws(ImportError) {
        guard !batch.rows.isEmpty else { return }
        var frame = Data(capacity: 8 + batch.rows.count * 5 + batch.urlBytes.count)
        Self.put(UInt32(batch.rows.count), into: &frame)
        Self.put(UInt32(batch.urlBytes.count), into: &frame)
        for row in batch.rows { Self.put(UInt32(row.end), into: &frame) }
        frame.append(contentsOf: batch.rows.map { $0.mode == .fast ? UInt8(0) : UInt8(1) })
        frame.append(contentsOf: batch.urlBytes)
        do { try handle.write(contentsOf: frame) } catch {
            throw .staging(reason: "cannot write to a temporary file in \(NSTemporaryDirectory()): \(error.localizedDescription)")
        }
    }

    /// Goes back to the first batch, for reading.
    func rewind() throws(ImportError) {
        do { try handle.seek(toOffset: 0) } catch { throw .staging(reason: "cannot reread the temporary file") }
    }

    /// The next batch written, or nil after the last.
    func next() throws(ImportError) -> ImportBatch? {
        guard let head = try read(8), head.count == 8 else { return nil }
        let rows = Int(Self.get(head, at: 0))
        let bytes = Int(Self.get(head, at: 4))
        guard let body = try read(rows * 5 + bytes), body.count == rows * 5 + bytes else {
            throw .staging(reason: "the temporary file ended early")
        }
        var batch = ImportBatch()
        batch.rows.reserveCapacity(rows)
        for index in 0..<rows {
            let end = Int(Self.get(body, at: index * 4))
            batch.rows.append((end, body[body.startIndex + rows * 4 + index] == 0 ? .fast : .professional))
        }
        batch.urlBytes = Array(body[(body.startIndex + rows * 5)...])
        return batch
    }

    private func read(_ count: Int) throws(ImportError) -> Data? {
        do { return try handle.read(upToCount: count) } catch {
            throw .staging(reason: "cannot read the temporary file: \(error.localizedDescription)")
        }
    }

    private static func put(_ value: UInt32, into data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func get(_ data: Data, at offset: Int) -> UInt32 {
        let start = data.startIndex + offset
        return UInt32(data[start]) | UInt32(data[start + 1]) << 8 | UInt32(data[start + 2]) << 16
            | UInt32(data[start + 3]) << 24
    }
}
