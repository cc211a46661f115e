import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Helpers the benchmarks share: the binary next to this one, child processes, /proc samples.
enum BenchSupport {
    /// `upscale-batch` from the same build folder as this benchmark.
    static var binary: String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("upscale-batch").path
    }

    /// This benchmark's own binary (for the helpers it starts in their own process).
    static var benchBinary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }

    /// Starts `process` and samples it every 50 ms until it exits: its wall time, and its last
    /// CPU (user + system, seconds) and peak RSS (bytes) read from /proc.
    static func watch(_ process: Process) async throws -> (wall: Double, last: (cpu: Double, peakRSS: Int)) {
        let started = Date()
        try process.run()
        var last: (cpu: Double, peakRSS: Int) = (0, 0)
        while process.isRunning {
            // Both only grow; a process that has exited but is not reaped yet shows its CPU but
            // no memory any more (no VmHWM), so a sample never lowers either.
            if let sample = sample(pid: process.processIdentifier) {
                last = (max(last.cpu, sample.cpu), max(last.peakRSS, sample.peakRSS))
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return (Date().timeIntervalSince(started), last)
    }

    /// Runs a command to completion and returns its exit code and standard output.
    @discardableResult
    static func run(
        _ arguments: [String], environment: [String: String] = [:], directory: String, binary: String = BenchSupport.binary
    ) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts `upscale-batch simulate` in its own process (so the measured process is only the
    /// runner) and returns it with its base URL.
    static func startSimulator(_ flags: [String], directory: String) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["simulate", "--listen", "127.0.0.1:0"] + flags
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer, as: UTF8.self)
        guard let range = line.range(of: "http://") else { throw BenchError("the simulator did not start: \(line)") }
        let url = line[range.lowerBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        return (process, url)
    }

    /// CPU seconds (user + system) and peak RSS (bytes) of a live process, from /proc.
    static func sample(pid: Int32) -> (cpu: Double, peakRSS: Int)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        let kilobytes =
            hwm.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        return ((user + system) / ticks, kilobytes * 1024)
    }

    /// The simulator's ledger, as JSON (GET /__admin/ledger).
    static func ledger(baseURL: String) async throws -> [String: Any] {
        let origin = baseURL.replacingOccurrences(of: "/api/upscaler/v1", with: "")
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: origin + "/__admin/ledger"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    /// CPU seconds of a process and of its children it has reaped (utime + stime + cutime +
    /// cstime): for the postmaster, the server's CPU including the backends that have exited.
    static func cumulativeCPU(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 15 else { return nil }
        let ticks = fields[11...14].compactMap { Double($0) }.reduce(0, +)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Runs one SQL command with `psql` on `url` and returns its unaligned output.
    @discardableResult
    static func psql(url: String, _ sql: String) throws -> String {
        let (status, output) = try run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", psqlURL(url), "-c", sql],
            directory: FileManager.default.currentDirectoryPath, binary: "/usr/bin/env")
        guard status == 0 else { throw BenchError("psql failed on \(withoutPassword(url))") }
        return output
    }

    /// Drops the store of a PostgreSQL database, so the next import makes a fresh one.
    static func dropPostgresStore(url: String) throws {
        try psql(url: url, "DROP SCHEMA IF EXISTS upscale_batch CASCADE")
    }

    /// `url` without upscale-batch's own parameters, which libpq refuses (`pool_max`).
    static func psqlURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.queryItems = components.queryItems?.filter { $0.name != "pool_max" }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        return components.string ?? url
    }

    /// `url` with any password masked, for printing.
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "upscale-bench-\(name)-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
