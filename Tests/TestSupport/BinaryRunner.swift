import Foundation

/// Runs the built `upscale-batch` binary the way users and cron do: a real process, real exit
/// codes, real standard output and error.
public struct BinaryRunner: Sendable {
    public static var packageRoot: String { BuiltBinary.packageRoot }
    public static var binary: String { BuiltBinary.path }

    public let directory: String
    public var environment: [String: String]

    /// A runner in `directory`, with a clean environment: no ENHANCOR_* or UPSCALE_DB from outside.
    public init(directory: String, store: String = "store.sqlite3") {
        self.directory = directory
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ENHANCOR_") && $0.key != "UPSCALE_DB" }
        environment["UPSCALE_DB"] = directory + "/" + store
        self.environment = environment
    }

    public struct Result: Sendable {
        public var code: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs to completion. After `timeout` seconds the process is killed and the result's code
    /// is 137, which fails the calling test's checks with its output.
    public func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:], timeout: Double = 180)
        async throws -> Result
    {
        let process = try start(arguments, environment: extra, stdin: stdin)
        return await process.wait(timeout: timeout)
    }

    /// Runs another program (python3, bash, systemd-analyze) the way `run` runs the binary: in
    /// `directory`, with this runner's environment, output kept in files.
    public func runExecutable(_ executable: String, _ arguments: [String], timeout: Double = 120) async throws -> Result {
        try await RunningBinary.start(
            executable, arguments, environment: environment, directory: directory, outputDirectory: directory
        ).wait(timeout: timeout)
    }

    /// Starts the binary and returns at once; stdout and stderr go to files in `directory`.
    public func start(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil) throws
        -> RunningBinary
    {
        try start(arguments, environment: extra, input: stdin.map { .bytes($0) } ?? .null)
    }

    /// Starts the binary with `input` on its standard input (`.pipe`: write to
    /// `process.inputWriter`, close it to end the input).
    public func start(_ arguments: [String], environment extra: [String: String] = [:], input: ChildProcess.Input) throws
        -> RunningBinary
    {
        try RunningBinary.start(
            Self.binary, arguments, environment: environment.merging(extra) { _, new in new }, directory: directory,
            outputDirectory: directory, input: input)
    }
}

/// A started process whose output goes to files.
public struct RunningBinary: Sendable {
    public let process: ChildProcess
    public let outPath: String
    public let errPath: String

    /// Starts `executable`; its standard output and error go to fresh files in `outputDirectory`.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String,
        outputDirectory: String, input: ChildProcess.Input = .null
    ) throws -> RunningBinary {
        let tag = UUID().uuidString.prefix(8)
        let outPath = outputDirectory + "/out-\(tag).txt"
        let errPath = outputDirectory + "/err-\(tag).txt"
        let process = try ChildProcess.start(
            executable, arguments, environment: environment, directory: directory, input: input,
            stdoutPath: outPath, stderrPath: errPath)
        return RunningBinary(process: process, outPath: outPath, errPath: errPath)
    }

    public func signal(_ signo: Int32) { process.signal(signo) }

    /// Waits for the exit (killing it after `timeout` seconds: code 137) and returns what it printed.
    public func wait(timeout: Double = 180) async -> BinaryRunner.Result {
        do {
            let code = try await process.wait(timeout: timeout)
            var result = result()
            result.code = code
            return result
        } catch {
            var result = result()
            result.code = process.exitCode ?? 128 + SIGKILL
            result.stderr += "\n[test: \(error)]"
            return result
        }
    }

    /// What it printed so far, and its exit code (-1 while it runs).
    public func result() -> BinaryRunner.Result {
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return BinaryRunner.Result(code: process.exitCode ?? -1, stdout: out, stderr: err)
    }
}

extension RunningBinary {
    /// The first line of standard output that starts with `prefix` (e.g. "listening on "), once
    /// printed; fails with what it waited for if the process ends or `timeout` passes first.
    public func firstLine(startingWith prefix: String, timeout: Double = 120) async throws -> String {
        var found: String?
        try await waitUntil("a line starting with \"\(prefix)\" from \(BinaryRunner.binary)", timeout: timeout) {
            let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            found = out.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
            return found != nil || !process.isRunning
        }
        guard let found else {
            throw WaitTimedOut(what: "\"\(prefix)\" (the process ended first: \(result().stderr))", seconds: timeout)
        }
        return found
    }
}
