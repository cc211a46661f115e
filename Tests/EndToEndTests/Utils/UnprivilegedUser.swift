import Foundation
import TestSupport

/// Runs the binary as a user without privileges, so file permissions mean what they mean.
///
/// Tests run as root here (and in CI), and root reads and writes any file whatever its mode:
/// a chmod'ed store would prove nothing. As root, the binary is started through
/// `setpriv --reuid=nobody --regid=nogroup --clear-groups` (util-linux); as anyone else it
/// runs as that user, for whom the modes already bite.
enum UnprivilegedUser {
    static let setpriv = "/usr/bin/setpriv"

    /// Whether permission tests can run here: not root, or root with setpriv and a binary the
    /// unprivileged user can run.
    static var isAvailable: Bool { geteuid() != 0 || executable != nil }

    /// Where tests put stores that user must reach: /tmp (world-searchable), else TMPDIR.
    static let scratchRoot: String = {
        let mode = (try? FileManager.default.attributesOfItem(atPath: "/tmp")[.posixPermissions] as? Int) ?? 0
        return mode & 0o1777 == 0o1777 ? "/tmp/" : NSTemporaryDirectory()
    }()

    /// The binary as the unprivileged user can run it: the built one when that user may reach
    /// it, else a copy in a world-readable directory (a checkout under /root is not reachable).
    static let executable: String? = {
        guard geteuid() == 0 else { return BinaryRunner.binary }
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
        if canRun(BinaryRunner.binary) { return BinaryRunner.binary }
        let directory = scratchRoot + "upscale-batch-nobody-bin-" + UUID().uuidString
        let copy = directory + "/upscale-batch"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
            try FileManager.default.copyItem(atPath: BinaryRunner.binary, toPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        } catch {
            return nil
        }
        return canRun(copy) ? copy : nil
    }()

    /// Whether the unprivileged user can start `binary` (`--version` exits 0).
    private static func canRun(_ binary: String) -> Bool {
        let arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary, "--version"]
        guard let check = try? ChildProcess.start(setpriv, arguments, environment: ProcessInfo.processInfo.environment)
        else { return false }
        // Evaluated once, by a test trait before the tests run: blocking here holds no task.
        return check.waitBlocking(timeout: 60) == 0
    }

    /// Runs `arguments` as the unprivileged user in `directory` (with `environment`), waiting at
    /// most `timeout` seconds.
    static func run(
        _ arguments: [String], in directory: String, environment: [String: String], timeout: Double = 120
    ) async throws -> BinaryRunner.Result {
        let (executable, fullArguments) =
            geteuid() == 0
            ? (setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Self.executable ?? ""] + arguments)
            : (BinaryRunner.binary, arguments)
        // Output goes to files outside the store's directory (which may be read-only for that user).
        let scratch = NSTemporaryDirectory() + "upscale-batch-out-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let running = try RunningBinary.start(
            executable, fullArguments, environment: environment, directory: directory, outputDirectory: scratch)
        return await running.wait(timeout: timeout)
    }
}
