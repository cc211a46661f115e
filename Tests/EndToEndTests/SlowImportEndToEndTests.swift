import Dispatch
import Foundation
import GRDB
import TestSupport
import Testing

/// `import -` from a pipe that stalls holds no lock while it waits (issue 14, point 5): another
/// writer of the same store goes ahead meanwhile, and the import still stores every row once
/// its input ends.
@Suite(.bounded) struct SlowImportEndToEndTests {
    @Test func aStalledPipeBlocksNoOtherWriter() async throws {
        let directory = NSTemporaryDirectory() + "upscale-batch-slow-import-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = BinaryRunner(directory: directory)
        #expect(
            try await binary.run(["import", "-", "--batch", "first"], stdin: "url\nhttps://img.example/first.jpg\n").code == 0)

        // The slow import: 50,000 rows written, then the pipe stays open. Far more than the pipe
        // and the importer's read-ahead can hold, so when the write returns, the importer has
        // consumed rows: before the fix it was inside its write transaction by then.
        let slow = try binary.start(["import", "-", "--batch", "slow"], input: .pipe)
        let process = slow.process
        defer { if process.isRunning { slow.signal(SIGKILL) } }
        let writer = try #require(process.inputWriter)
        let rows = (0..<50_000).map { "https://img.example/slow-\($0).jpg\n" }.joined()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            // A blocking write, off the cooperative pool.
            DispatchQueue.global().async {
                writer.write(Data(("url\n" + rows).utf8))
                done.resume()
            }
        }
        #expect(process.isRunning, "the import is still waiting for the rest of its input")

        // Other writers of the same store go ahead at once: an import and a retry.
        let other = try await binary.run(["import", "-", "--batch", "meanwhile"], stdin: "url\nhttps://img.example/other.jpg\n")
        #expect(other.code == 0, "an import waited for the stalled one: \(other.code) \(other.stderr)")
        #expect(other.stdout.contains("imported 1"), "\(other.stdout)")
        let retry = try await binary.run(["retry"])
        #expect(retry.code == 0, "\(retry.stderr)")
        #expect(process.isRunning, "the slow import was still waiting while the others wrote")

        try writer.write(contentsOf: Data("https://img.example/last.jpg\nnot a url\n".utf8))
        try writer.close()
        let result = await slow.wait(timeout: 180)
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("imported 50001, skipped 0 duplicates, rejected 1"), "\(result.stdout)")
        #expect(result.stderr.contains("-:50003: URL is not an absolute http(s) URL: not a url"), "\(result.stderr)")
        let counts = try DatabaseQueue(path: directory + "/store.sqlite3").read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT b.name AS name, count(*) AS n FROM jobs j JOIN batches b ON b.id = j.batch_id GROUP BY b.name ORDER BY b.name"
            )
        }
        #expect(counts.map { "\($0["name"] as String)=\($0["n"] as Int)" } == ["first=1", "meanwhile=1", "slow=50001"])
    }
}
