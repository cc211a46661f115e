import Foundation
import TestSupport
import Testing

@testable import upscale_batch

/// Error paths of the commands that the other suites do not reach, through the built binary.
@Suite(.bounded) struct CommandErrorEndToEndTests {
    @Test func theDemosBuiltInListIsJobsSampleCSV() throws {
        let file = try String(contentsOfFile: BinaryRunner.packageRoot + "/jobs/sample.csv", encoding: .utf8)
        #expect(DemoSample.csv + "\n" == file, "DemoSample.swift is a copy of jobs/sample.csv: keep the two equal")
    }

    @Test func badValuesAreUsageErrorsAndUnknownNamesConfigurationErrors() async throws {
        let directory = NSTemporaryDirectory() + "upscale-batch-errors-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = BinaryRunner(directory: directory)
        let imported = try await binary.run(["import", "-"], stdin: "url\nhttps://img.example/a.jpg\n")
        #expect(imported.code == 0)
        let key = ["ENHANCOR_API_KEY": "k"]

        for arguments in [
            ["report", "--since", "2026-13-01"], ["report", "--by", "week"], ["list", "--state", "DONE"],
            ["list", "--limit", "-1"], ["run", "--poll-only", "--concurrency", "0"],
            ["run", "--poll-only", "--max-spend", "-5"], ["run", "--poll-only", "--rate", "0"],
            ["run", "--poll-only", "--max-wait", "soon"], ["run", "--poll-only", "--listen", "nowhere"],
            ["run", "--poll-only", "--webhook-url", "https://h.example/w"],
        ] {
            let result = try await binary.run(arguments, environment: key)
            #expect(result.code == 64, "\(arguments): \(result.code) \(result.stderr)")
        }
        for arguments in [
            ["report", "--batch", "no-such-batch"], ["list", "--batch", "no-such-batch"],
            ["retry", "--batch", "no-such-batch"], ["run", "--poll-only", "--batch", "no-such-batch"],
            ["run", "--poll-only", "--download", directory + "/missing/parent/results"],
            ["run", "--webhook-url", "ftp://h.example/w"],
        ] {
            let result = try await binary.run(arguments, environment: key)
            #expect(result.code == 2, "\(arguments): \(result.code) \(result.stderr)")
            #expect(!result.stderr.isEmpty, "\(arguments) says why")
        }
        let unknownBatch = try await binary.run(["report", "--batch", "no-such-batch"])
        #expect(unknownBatch.stderr.contains("no batch named \"no-such-batch\""))
    }
}
