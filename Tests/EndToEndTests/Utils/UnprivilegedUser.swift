import Foundation

/// Runs the binary as a user without privileges, so file permissions mean what they mean.
///
/// Tests run as root here (and in CI), and root reads and writes any file whatever its mode:
/// a chmod'ed store would prove nothing. As root, the binary is started through
/// `setpriv --reuid=nobody --regid=nogroup --clear-groups` (util-linux); as anyone else it
/// runs as that user, for whom the modes already bite.
enum UnprivilegedUser {
    static let setpriv = "/usr/bin/setpriv"

    /// Whether permission tests can run here: not root, or root with setpriv.
    static var isAvailable: Bool { geteuid() != 0 || FileManager.default.isExecutableFile(atPath: setpriv) }

    /// Runs `arguments` as the unprivileged user in `directory` (with `environment`), waiting at
    /// most `timeout` seconds.
    static func run(
        _ arguments: [String], in directory: String, environment: [String: String], timeout: Double = 120
    ) async throws -> BinaryRunner.Result {
        let process = Process()
        if geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", BinaryRunner.binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: BinaryRunner.binary)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        // Output goes to files outside the store's directory (which may be read-only for that user).
        let scratch = NSTemporaryDirectory() + "upscale-batch-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        FileManager.default.createFile(atPath: scratch + "/out", contents: nil)
        FileManager.default.createFile(atPath: scratch + "/err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch + "/err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let running = RunningBinary(process: process, outPath: scratch + "/out", errPath: scratch + "/err")
        return await running.wait(timeout: timeout)
    }
}
