import Foundation
import TestSupport

/// Runs a Python 3 program in a test: parsers we did not write (the standard library's HTML
/// and XML parsers, prometheus_client's text-format parser) read what the binary wrote.
enum PythonHelper {
    /// python3 on PATH, if any.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether `import MODULE` works.
    static func hasModule(_ module: String) -> Bool {
        guard let python else { return false }
        let environment = ProcessInfo.processInfo.environment
        guard let check = try? ChildProcess.start(python, ["-c", "import \(module)"], environment: environment) else {
            return false
        }
        // Evaluated once, by a test trait before the tests run: blocking here holds no task.
        return check.waitBlocking(timeout: 60) == 0
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `program` with `arguments` (in `directory`) and returns its standard output;
    /// throws with its standard error when it exits non-zero.
    static func run(_ program: String, _ arguments: [String], in directory: String) async throws -> String {
        guard let python else { throw Failure(description: "python3 is not installed") }
        let script = directory + "/helper-\(UUID().uuidString.prefix(8)).py"
        try program.write(toFile: script, atomically: true, encoding: .utf8)
        var runner = BinaryRunner(directory: directory)
        runner.environment["PYTHONDONTWRITEBYTECODE"] = "1"
        let result = try await runner.runExecutable(python, [script] + arguments, timeout: 120)
        guard result.code == 0 else { throw Failure(description: "python helper exit \(result.code): \(result.stderr)") }
        return result.stdout
    }
}
