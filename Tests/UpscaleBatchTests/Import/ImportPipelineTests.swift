import Foundation
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// The import's reader on a Dispatch queue and its bounded channel: order, backpressure (the
/// reader stops while the consumer is behind), and stopping.
@Suite("import pipeline", .bounded)
struct ImportPipelineTests {
    typealias S = ImportTestSupport

    /// Counts how often the producer was resumed.
    final class Resumes: Sendable {
        private let count = Mutex(0)
        func resume() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test("the channel takes `capacity` items, then parks the producer until the consumer takes one")
    func channelBackpressure() async {
        let channel = ImportBatchChannel<Int>(capacity: 3)
        let resumes = Resumes()
        #expect(channel.offer(1, resume: resumes.resume) == .room)
        #expect(channel.offer(2, resume: resumes.resume) == .room)
        #expect(channel.offer(3, resume: resumes.resume) == .full, "the third item fills it")
        #expect(channel.producerIsParked)
        #expect(resumes.value == 0)
        #expect(await channel.next() == 1)
        #expect(resumes.value == 1, "taking an item resumes the parked producer once")
        #expect(!channel.producerIsParked)
        #expect(channel.offer(4, isLast: true, resume: resumes.resume) == .room, "the last item never parks")
        #expect(await channel.next() == 2)
        #expect(await channel.next() == 3)
        #expect(await channel.next() == 4)
        #expect(await channel.next() == nil, "ended after the last item")
        #expect(resumes.value == 1)
    }

    @Test("a consumer waiting for the producer gets the next item as soon as it is offered, in order")
    func channelHandsOverToAWaitingConsumer() async throws {
        let channel = ImportBatchChannel<Int>(capacity: 2)
        let consumer = Task {
            var items: [Int] = []
            while let item = await channel.next() { items.append(item) }
            return items
        }
        for item in 0..<100 {
            // Offered one at a time, each as soon as there is room: a parked producer waits
            // for its resume, as the reader does.
            if channel.offer(item, resume: {}) == .full {
                try await waitUntil("the consumer to take an item") { !channel.producerIsParked }
            }
        }
        channel.finish()
        #expect(await consumer.value == Array(0..<100))
    }

    @Test("cancel drops waiting items, resumes a parked producer, refuses later offers")
    func channelCancel() async {
        let channel = ImportBatchChannel<Int>(capacity: 1)
        let resumes = Resumes()
        #expect(channel.offer(1, resume: resumes.resume) == .full)
        channel.cancel()
        #expect(resumes.value == 1, "the parked producer is resumed so that it lets go of its input")
        #expect(channel.offer(2, resume: resumes.resume) == .cancelled)
        #expect(await channel.next() == nil)
        #expect(channel.isCancelled)
    }

    /// A CSV of `rows` valid rows with a rejected one every 1,000th row.
    static func csv(rows: Int) -> String {
        var text = "url\n"
        for index in 0..<rows {
            text += index % 1_000 == 999 ? "ftp://img.example/\(index).jpg\n" : "https://img.example/\(index).jpg\n"
        }
        return text
    }

    static func pipeline(_ path: String, spool: sending ImportSpool? = nil) throws -> ImportPipeline {
        let descriptor = open(path, O_RDONLY)
        #expect(descriptor >= 0)
        let reader = CSVReader(fileDescriptor: descriptor, closeWhenDone: true)
        _ = try reader.next()  // the header
        let validator = RowValidator(header: ["url"], defaultMode: .fast)!
        return ImportPipeline(reader: reader, validator: validator, file: path, spool: spool)
    }

    /// The rows' URLs, in order, and the rejections' lines, of every step.
    static func drain(_ pipeline: ImportPipeline) async throws -> (urls: [String], rejectedLines: [Int], steps: Int) {
        var urls: [String] = []
        var lines: [Int] = []
        var steps = 0
        while let step = try await pipeline.next() {
            steps += 1
            guard case .batch(let batch) = step else { continue }
            var start = 0
            for row in batch.rows {
                urls.append(String(decoding: batch.urlBytes[start..<row.end], as: UTF8.self))
                start = row.end
            }
            lines += batch.rejections.map(\.line)
        }
        return (urls, lines, steps)
    }

    @Test("the reader stops when the consumer is behind, and every row then arrives in file order")
    func readerWaitsForTheConsumer() async throws {
        let directory = TemporaryDirectory()
        let rows = 20 * ImportBatch.rowLimit
        let path = try S.write(Self.csv(rows: rows), to: directory)
        let pipeline = try Self.pipeline(path)
        defer { pipeline.cancel() }
        pipeline.start()
        // Nobody consumes: the reader fills the channel and stops, far from the file's end.
        try await waitUntil("the reader to stop for want of room") { pipeline.readerIsWaiting }
        let (urls, lines, _) = try await Self.drain(pipeline)
        let expected = (0..<rows).filter { $0 % 1_000 != 999 }.map { "https://img.example/\($0).jpg" }
        #expect(urls == expected)
        #expect(lines == (0..<rows).filter { $0 % 1_000 == 999 }.map { $0 + 2 })
    }

    @Test("with a spool: rejections first, then the mark that the input was read, then every row")
    func spooledInput() async throws {
        let directory = TemporaryDirectory()
        let rows = 3 * ImportBatch.rowLimit + 17
        let path = try S.write(Self.csv(rows: rows), to: directory)
        let pipeline = try Self.pipeline(path, spool: try ImportSpool())
        defer { pipeline.cancel() }
        pipeline.start()
        var sawInputRead = false
        var rejectedLines: [Int] = []
        var urls: [String] = []
        while let step = try await pipeline.next() {
            switch step {
            case .inputRead:
                #expect(!sawInputRead)
                sawInputRead = true
            case .batch(let batch):
                if sawInputRead {
                    #expect(batch.rejections.isEmpty, "every rejection comes before the mark")
                    var start = 0
                    for row in batch.rows {
                        urls.append(String(decoding: batch.urlBytes[start..<row.end], as: UTF8.self))
                        start = row.end
                    }
                } else {
                    #expect(batch.rows.isEmpty, "the first pass keeps the rows aside")
                    rejectedLines += batch.rejections.map(\.line)
                }
            }
        }
        #expect(sawInputRead)
        #expect(rejectedLines == (0..<rows).filter { $0 % 1_000 == 999 }.map { $0 + 2 })
        #expect(urls == (0..<rows).filter { $0 % 1_000 != 999 }.map { "https://img.example/\($0).jpg" })
    }

    @Test("cancelled while the reader waits: the consumer is told the import stopped")
    func cancelWhileWaiting() async throws {
        let directory = TemporaryDirectory()
        let path = try S.write(Self.csv(rows: 20 * ImportBatch.rowLimit), to: directory)
        let pipeline = try Self.pipeline(path)
        pipeline.start()
        try await waitUntil("the reader to stop for want of room") { pipeline.readerIsWaiting }
        pipeline.cancel()
        await #expect(throws: ImportError.stopped(file: path)) { _ = try await pipeline.next() }
        try await waitUntil("the reader to let go of the file") { !pipeline.holdsInput }
    }

    @Test("a cancelled import from a pipe that never ends stops with .stopped and stores nothing")
    func cancelledImportOfAnEndlessPipe() async throws {
        let directory = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: directory)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        defer { close(writeEnd) }
        let header = Array("url\nhttps://img.example/1.jpg\n".utf8)
        #expect(write(writeEnd, header, header.count) == header.count)
        // The writer stays open: the input never ends, so only cancelling ends the import.
        let importer = try JobImporter(path: "/dev/fd/\(readEnd)")
        close(readEnd)
        #expect(importer.stagesInput)
        let running = Task {
            try await importer.run(into: store, batchName: "endless") { _ in }
        }
        running.cancel()
        await #expect(throws: ImportError.stopped(file: "/dev/fd/\(readEnd)")) { _ = try await running.value }
        #expect(try S.jobs(in: store).isEmpty, "nothing stored")
        #expect(try await store.batchExists("endless") == false, "not even the batch")
    }
}
