import Foundation
import TestSupport

/// A PostgreSQL cluster of one test's own (`scripts/test-postgres.sh` in a temporary
/// directory of its own), for the tests that crash or stop the server: the shared test
/// server's other databases are not disturbed.
struct OwnPostgresCluster {
    let url: String
    private let script: BinaryRunner

    /// Starts the cluster (initdb, a free loopback port); throws with the script's words.
    static func start() async throws -> OwnPostgresCluster {
        let directory = NSTemporaryDirectory() + "upscale-batch-own-pg-" + UUID().uuidString.prefix(8)
        let outputs = NSTemporaryDirectory() + "upscale-batch-own-pg-out-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        var script = BinaryRunner(directory: outputs)
        script.environment["UPSCALE_TEST_POSTGRES_DIR"] = directory
        let cluster = OwnPostgresCluster(url: "", script: script)
        let started = try await cluster.call("start")
        return OwnPostgresCluster(url: started.trimmingCharacters(in: .whitespacesAndNewlines), script: script)
    }

    /// `pg_ctl stop -m MODE`: the server is gone until `up()` (`immediate`, the default: a
    /// crash; `fast`: every session ended, a clean shutdown).
    func down(mode: String = "immediate") async throws { _ = try await call("down", mode) }
    func up() async throws { _ = try await call("up") }

    /// Stops the cluster and removes its directory.
    func stop() async {
        _ = try? await call("stop")
        try? FileManager.default.removeItem(atPath: script.directory)
    }

    private func call(_ command: String, _ arguments: String...) async throws -> String {
        let result = try await script.runExecutable(
            "/bin/bash", [BinaryRunner.packageRoot + "/scripts/test-postgres.sh", command] + arguments, timeout: 180)
        guard result.code == 0 else { throw ScriptFailed(command: command, code: result.code, stderr: result.stderr) }
        return result.stdout
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        var command: String
        var code: Int32
        var stderr: String
        var description: String { "scripts/test-postgres.sh \(command) exited \(code): \(stderr)" }
    }
}
