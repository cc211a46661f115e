import Foundation
import TestSupport
import Testing

/// A PostgreSQL URL on the command line, through the built binary: what is refused before any
/// connection is tried.
@Suite(.bounded) struct PostgresURLEndToEndTests {
    @Test func aPasswordInADbURLExitsTwoWithoutShowingIt() async throws {
        let directory = NSTemporaryDirectory() + "upscale-batch-pg-url-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = BinaryRunner(directory: directory)
        for url in ["postgres://batch:hunter2@127.0.0.1:1/jobs", "postgresql://batch@127.0.0.1:1/jobs?password=hunter2"] {
            for command in [["status"], ["list"], ["report"], ["import", "-"]] {
                let result = try await binary.run(command + ["--db", url], stdin: "url\nhttps://x.test/a.jpg\n")
                #expect(result.code == 2, "\(command) \(url): \(result.code) \(result.stderr)")
                #expect(result.stderr.contains("--db must not hold a password"), "\(result.stderr)")
                #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"))
            }
        }
    }
}
