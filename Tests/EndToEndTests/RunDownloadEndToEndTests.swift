import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// `run --download DIR`: results are kept as jobs complete, by polls and by webhooks alike.
@Suite(.serialized, .bounded) struct RunDownloadEndToEndTests {
    @Test(arguments: ["--poll-only", "--listen"])
    func runKeepsEveryResultAsItGoes(_ mode: String) async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(12)
        let out = fixture.directory + "/results"
        let extra = mode == "--listen" ? ["--listen", "127.0.0.1:0"] : ["--poll-only"]
        let result = try await fixture.run(extra + ["--download", out])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("downloaded 12"), "\(result.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".png") }
        #expect(files.count == 12)
        let kept = try await DatabaseQueue(path: fixture.storePath).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE downloaded_at IS NOT NULL AND download_sha256 IS NOT NULL")
        }
        #expect(kept == 12)
        #expect(fixture.simulator.ledger().resultDownloads == 12, "each result fetched once")
    }
}
