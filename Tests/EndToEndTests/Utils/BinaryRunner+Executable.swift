import Foundation

extension BinaryRunner {
    /// Runs another program (python3, bash, systemd-analyze) the way `run` runs the binary:
    /// in `directory`, with this runner's environment, output kept in files, never blocking
    /// a thread of the cooperative pool while it waits.
    func runExecutable(_ executable: String, _ arguments: [String], timeout: Double = 120) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let tag = UUID().uuidString.prefix(8)
        let outPath = directory + "/out-\(tag).txt"
        let errPath = directory + "/err-\(tag).txt"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await RunningBinary(process: process, outPath: outPath, errPath: errPath).wait(timeout: timeout)
    }
}
