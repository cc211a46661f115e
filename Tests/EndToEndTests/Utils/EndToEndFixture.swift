import EnhancorSimulator
import Foundation
import GRDB
import Logging
import TestSupport
import UpscaleBatch

/// A temporary directory with a job store, a simulator on a free loopback port, and the binary.
final class EndToEndFixture: Sendable {
    let directory: String
    let simulator: SimulatorServer
    let binary: BinaryRunner
    var storePath: String { directory + "/store.sqlite3" }

    /// `store`: the `UPSCALE_DB` of every command (a PostgreSQL URL); nil, the SQLite file
    /// `storePath`.
    init(store: String? = nil, _ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws {
        directory = NSTemporaryDirectory() + "upscale-batch-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = SimulatorConfiguration()
        configuration.fastDuration = 0.6
        configuration.professionalDuration = 1.0
        // The simulator gives a webhook up after its attempts (1 s to connect each); on a busy
        // machine a receiver may miss a few, and these tests are about what webhooks do, not
        // about losing them (a test that loses them says so).
        configuration.webhookAttempts = 10
        configure(&configuration)
        var logger = Logger(label: "e2e-simulator")
        logger.logLevel = .critical
        simulator = try await SimulatorServer.start(configuration, logger: logger)
        var binary = BinaryRunner(directory: directory)
        if let store { binary.environment["UPSCALE_DB"] = store }
        self.binary = binary
    }

    /// Imports `count` fast jobs (URLs `https://img.example/<prefix><n>.jpg`).
    func importJobs(_ count: Int, prefix: String = "p", mode: String = "fast") async throws {
        let csv =
            "url,mode\n" + (0..<count).map { "https://img.example/\(prefix)\($0).jpg,\(mode)" }.joined(separator: "\n") + "\n"
        try await importCSV(csv)
    }

    func importCSV(_ csv: String) async throws {
        let path = directory + "/jobs-\(UUID().uuidString.prefix(6)).csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await binary.run(["import", path])
        precondition(result.code == 0, "import failed: \(result.stderr)")
    }

    /// The arguments and environment of a `run` against this simulator.
    func runArguments(_ extra: [String] = []) -> [String] {
        ["run", "--base-url", simulator.baseURL, "--poll-interval", "0.5"] + extra
    }

    var apiEnvironment: [String: String] { ["ENHANCOR_API_KEY": "sim-key"] }

    func run(_ extra: [String] = [], timeout: Double = 120) async throws -> BinaryRunner.Result {
        try await binary.run(runArguments(extra), environment: apiEnvironment, timeout: timeout)
    }

    func startRun(_ extra: [String] = []) throws -> RunningBinary {
        try binary.start(runArguments(extra), environment: apiEnvironment)
    }

    /// Every job's row, read straight from the store file.
    func jobs() throws -> [Row] {
        try DatabaseQueue(path: storePath).read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, url, state, request_id, cost, result_url, error, submitting, possible_duplicate FROM jobs ORDER BY id"
            )
        }
    }

    func shutdown() async {
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
