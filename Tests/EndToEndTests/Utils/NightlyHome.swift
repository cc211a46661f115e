import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// A nightly set-up in the fixture's temporary directory: NIGHTLY_HOME, a 0600 key file, and a
/// working directory that has nothing to do with either.
struct NightlyHome {
    static let script = BinaryRunner.packageRoot + "/scripts/nightly.sh"

    /// The tools the script needs that cron's PATH (/usr/bin:/bin) does not find.
    static let toolsMissing: [String] = ["flock"].filter { tool in
        !["/usr/bin/", "/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + tool) }
    }

    struct Job {
        var url: String
        var mode: String
        var state: String
        var requestID: String?
        var cost: Int?
    }

    let root: String
    let elsewhere: String
    var environment: [String: String]
    var store: String { root + "/upscale-batch.sqlite3" }

    init(_ simulator: SimulatorProcess, key: String, name: String = "nightly-home") throws {
        root = simulator.directory + "/" + name
        elsewhere = simulator.directory + "/elsewhere"
        for directory in [root + "/jobs/incoming", elsewhere] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let keyFile = simulator.directory + "/secrets/key"
        try FileManager.default.createDirectory(atPath: simulator.directory + "/secrets", withIntermediateDirectories: true)
        try Data((key + "\n").utf8).write(to: URL(fileURLWithPath: keyFile))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        environment = [
            "PATH": "/usr/bin:/bin",
            "NIGHTLY_HOME": root,
            "NIGHTLY_BINARY": BinaryRunner.binary,
            "NIGHTLY_RUN_ARGS": "--base-url \(simulator.baseURL) --poll-interval 0.5",
            "NIGHTLY_SETTLE_SECONDS": "300",
            "ENHANCOR_API_KEY_FILE": keyFile,
        ]
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes a file whose last change was `age` seconds ago.
    func write(_ relative: String, _ contents: String, age: TimeInterval) throws {
        let file = path(relative)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: file)
    }

    func drop(_ name: String, _ contents: String, age: TimeInterval) throws {
        try write("jobs/incoming/" + name, contents, age: age)
    }

    func files(_ relative: String) throws -> [String] {
        let directory = path(relative)
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Every log file's text, oldest first.
    var log: String {
        let names = (try? files("logs")) ?? []
        return names.compactMap { try? String(contentsOfFile: path("logs/" + $0), encoding: .utf8) }.joined()
    }

    var logLines: [Substring] { log.split(separator: "\n") }

    /// The UTC day of the (one) night report in reports/.
    func reportDay() throws -> String {
        let days = try files("reports").filter { $0.range(of: #"^\d{4}-\d{2}-\d{2}\.csv$"#, options: .regularExpression) != nil }
            .map { String($0.dropLast(4)) }
        #expect(days.count == 1, "one night report: \(days)")
        return days.last ?? "none"
    }

    func nightReport() throws -> String { path("reports/\(try reportDay()).csv") }

    func jobs() throws -> [Job] {
        try DatabaseQueue(path: store).read { db in
            try Row.fetchAll(db, sql: "SELECT url, mode, state, request_id, cost FROM jobs ORDER BY id").map {
                Job(url: $0["url"], mode: $0["mode"], state: $0["state"], requestID: $0["request_id"], cost: $0["cost"])
            }
        }
    }

    /// Starts the script as cron would: `env -i` (no HOME, no TTY), PATH=/usr/bin:/bin, from
    /// elsewhere, with no signal blocked or ignored (ChildProcess resets both, as cron does).
    func start() throws -> RunningBinary {
        try RunningBinary.start(
            "/usr/bin/env", ["-i"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + [Self.script],
            environment: [:], directory: elsewhere, outputDirectory: elsewhere)
    }

    func run(timeout: Double = 180) async throws -> BinaryRunner.Result {
        try await start().wait(timeout: timeout)
    }
}
