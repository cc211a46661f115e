import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// ENHANCOR_API_KEY_FILE end to end: the built binary's `run` refuses a missing, empty or
/// group/others-readable key file (exit 2, before any request), accepts an owner-only one, and
/// never prints the key.
@Suite(.serialized, .bounded) struct KeyFileEndToEndTests {
    /// A key file that is not usable, and what the error must say.
    struct RefusedFile: Sendable, CustomTestStringConvertible {
        var name: String
        var contents: String?  // nil: no file at all
        var mode: Int
        var message: String
        var testDescription: String { name }
    }

    static let refused: [RefusedFile] = [
        RefusedFile(name: "missing", contents: nil, mode: 0o600, message: "cannot read the key file"),
        RefusedFile(name: "empty", contents: "", mode: 0o600, message: "is empty"),
        RefusedFile(name: "only whitespace", contents: " \n\n", mode: 0o600, message: "is empty"),
        RefusedFile(name: "mode 0644", contents: "KEY\n", mode: 0o644, message: "chmod 600"),
        RefusedFile(name: "mode 0640", contents: "KEY\n", mode: 0o640, message: "chmod 600"),
        RefusedFile(name: "mode 0604", contents: "KEY\n", mode: 0o604, message: "chmod 600"),
    ]

    @Test(arguments: refused)
    func anUnusableKeyFileExits2BeforeAnyRequest(_ file: RefusedFile) async throws {
        let key = Self.makeKey()
        let setup = try await KeySetup(key: key, jobs: 3)
        defer { setup.simulator.stop() }
        let path = setup.directory + "/key-file"
        if let contents = file.contents {
            try Self.writeKeyFile(path, contents.replacingOccurrences(of: "KEY", with: key), mode: file.mode)
        }

        let result = try await setup.run(["--poll-only"], environment: ["ENHANCOR_API_KEY_FILE": path])
        #expect(result.code == 2, "\(result.stderr)")
        #expect(result.stderr.contains(file.message), "\(result.stderr)")
        #expect(result.stderr.contains(path), "the error names the file")
        #expect(!result.stdout.contains(key) && !result.stderr.contains(key), "the key is never printed")
        #expect(try await setup.simulator.ledger().totalRequests == 0, "nothing was sent")
        #expect(try setup.states().allSatisfy { $0 == "PENDING" })
    }

    @Test func anOwnerOnlyKeyFileIsAcceptedAndTheRunProceeds() async throws {
        let key = Self.makeKey()
        let setup = try await KeySetup(key: key, jobs: 4)
        defer { setup.simulator.stop() }
        let path = setup.directory + "/key-file"
        try Self.writeKeyFile(path, key + "\n", mode: 0o600)

        let result = try await setup.run(["--poll-only", "--verbose"], environment: ["ENHANCOR_API_KEY_FILE": path])
        #expect(result.code == 0, "\(result.stderr)")
        let states = try setup.states()
        #expect(states.count == 4 && states.allSatisfy { $0 == "COMPLETED" })
        let ledger = try await setup.simulator.ledger()
        #expect(
            ledger.count("queue", "401") == 0 && ledger.count("queue", "200") == 4,
            "the key, trimmed of its newline, was the right one")
        #expect(!result.stdout.contains(key) && !result.stderr.contains(key), "the key is never printed, even with --verbose")
        let stored = try Data(contentsOf: URL(fileURLWithPath: setup.store))
        #expect(stored.range(of: Data(key.utf8)) == nil, "the key is not written to the job store")
    }

    @Test func bothKeyVariablesSetExits2() async throws {
        let key = Self.makeKey()
        let setup = try await KeySetup(key: key, jobs: 2)
        defer { setup.simulator.stop() }
        let path = setup.directory + "/key-file"
        try Self.writeKeyFile(path, key, mode: 0o600)

        let result = try await setup.run(["--poll-only"], environment: ["ENHANCOR_API_KEY_FILE": path, "ENHANCOR_API_KEY": key])
        #expect(result.code == 2, "\(result.stderr)")
        #expect(result.stderr.contains("ENHANCOR_API_KEY") && result.stderr.contains("ENHANCOR_API_KEY_FILE"), "\(result.stderr)")
        #expect(!result.stdout.contains(key) && !result.stderr.contains(key))
        #expect(try await setup.simulator.ledger().totalRequests == 0)
    }

    /// A key that cannot turn up in output by accident.
    static func makeKey() -> String { "kf-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    static func writeKeyFile(_ path: String, _ contents: String, mode: Int) throws {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}

/// A simulator process that accepts only `key`, and a job store holding `jobs` fast jobs.
private struct KeySetup {
    let simulator: SimulatorProcess
    let runner: BinaryRunner
    var directory: String { simulator.directory }
    var store: String { directory + "/store.sqlite3" }

    init(key: String, jobs: Int) async throws {
        simulator = try await SimulatorProcess.start(key: key)
        runner = BinaryRunner(directory: simulator.directory)
        let csv = "url\n" + (0..<jobs).map { "https://img.example/key-\($0).jpg" }.joined(separator: "\n") + "\n"
        let imported = try await runner.start(["import", "-"], stdin: csv).wait(timeout: 180)
        precondition(imported.code == 0, "import failed: \(imported.stderr)")
    }

    func run(_ extra: [String], environment: [String: String]) async throws -> BinaryRunner.Result {
        try await runner.start(
            ["run", "--base-url", simulator.baseURL, "--poll-interval", "0.5"] + extra, environment: environment
        ).wait(timeout: 180)
    }

    func states() throws -> [String] {
        try DatabaseQueue(path: store).read { db in try String.fetchAll(db, sql: "SELECT state FROM jobs ORDER BY id") }
    }
}
