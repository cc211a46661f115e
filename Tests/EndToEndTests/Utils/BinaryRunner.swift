import Foundation

/// Runs the built `upscale-batch` binary the way users and cron do: a real process, real exit
/// codes, real standard output and error.
struct BinaryRunner: Sendable {
    /// The package's root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The debug binary `swift build` / `swift test` leaves behind.
    static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("upscale-batch").path,
            packageRoot + "/.build/debug/upscale-batch",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    let directory: String
    var environment: [String: String]

    /// A runner in `directory`, with a clean environment: no ENHANCOR_* or UPSCALE_DB from outside.
    init(directory: String, store: String = "store.sqlite3") {
        self.directory = directory
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ENHANCOR_") && $0.key != "UPSCALE_DB" }
        environment["UPSCALE_DB"] = directory + "/" + store
        self.environment = environment
    }

    struct Result: Sendable {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion (killed after `timeout` seconds, which fails the calling test's checks).
    /// Waits without blocking a thread: tests share Swift's small cooperative pool with the
    /// in-process simulators, and a blocked thread there would stall every server.
    func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:], timeout: Double = 120)
        async throws -> Result
    {
        let process = try start(arguments, environment: extra, stdin: stdin)
        return await process.wait(timeout: timeout)
    }

    /// Starts the binary and returns at once; stdout and stderr go to files in `directory`.
    func start(_ arguments: [String], environment extra: [String: String] = [:], stdin: String? = nil) throws -> RunningBinary {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment.merging(extra) { _, new in new }
        let tag = UUID().uuidString.prefix(8)
        let outPath = directory + "/out-\(tag).txt"
        let errPath = directory + "/err-\(tag).txt"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(stdin.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        return RunningBinary(process: process, outPath: outPath, errPath: errPath)
    }
}

/// A started binary.
struct RunningBinary {
    let process: Process
    let outPath: String
    let errPath: String

    func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// Waits for the exit (killing it after `timeout`) and returns what it printed.
    func wait(timeout: Double = 120) async -> BinaryRunner.Result {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return result()
    }

    func result() -> BinaryRunner.Result {
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let code = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return BinaryRunner.Result(code: code, stdout: out, stderr: err)
    }
}
