import EnhancorSimulator
import Foundation
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `upscale-batch simulate` in a process of its own, in a fresh temporary directory. Unlike the
/// in-process simulator it keeps answering when other tests block the test process's threads
/// (a process of its own cannot be starved by the test process's busy threads).
/// A watchdog sh stops it when the test process ends in any way (even SIGKILL, skipping every
/// defer). It watches pids, not a pipe: children here inherit every open descriptor, and
/// signals sent to the sh itself would arrive blocked.
final class SimulatorProcess {
    let directory: String
    let baseURL: String
    private let running: RunningBinary

    private init(directory: String, baseURL: String, running: RunningBinary) {
        self.directory = directory
        self.baseURL = baseURL
        self.running = running
    }

    static func start(key: String, fastDuration: Double = 0.6) async throws -> SimulatorProcess {
        let directory = NSTemporaryDirectory() + "upscale-batch-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The key through the environment: not on a command line.
        let running = try BinaryRunner(directory: directory).start(
            ["simulate", "--listen", "127.0.0.1:0", "--fast-duration", "\(fastDuration)", "--professional-duration", "1"],
            environment: ["ENHANCOR_API_KEY": key])
        let simulator = running.process.processIdentifier
        _ = try ChildProcess.start(
            "/bin/sh",
            [
                "-c",
                """
                while kill -0 \(getpid()) 2>/dev/null && kill -0 \(simulator) 2>/dev/null; do sleep 1; done
                kill -TERM \(simulator) 2>/dev/null; exit 0
                """,
            ], environment: ["PATH": "/usr/bin:/bin"])

        var baseURL: String?
        let deadline = Date().addingTimeInterval(120)
        // The file is read once more after the deadline: a test process stalled past the
        // deadline (a busy machine) must not fail a simulator that did start meanwhile.
        while true {
            let out = (try? String(contentsOfFile: running.outPath, encoding: .utf8)) ?? ""
            baseURL = out.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map {
                String($0.dropFirst("listening on ".count))
            }
            if baseURL != nil || !running.process.isRunning || Date() >= deadline { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let started = SimulatorProcess(directory: directory, baseURL: baseURL ?? "", running: running)
        guard baseURL != nil else {
            let output = running.result().stderr
            started.stop()
            throw SimulatorStartFailure(stderr: output)
        }
        return started
    }

    struct SimulatorStartFailure: Error { var stderr: String }

    /// What the simulator saw (GET /__admin/ledger).
    func ledger() async throws -> SimulatorLedger {
        let origin = baseURL.replacingOccurrences(of: "/api/upscaler/v1", with: "")
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, _) = try await session.data(from: URL(string: origin + "/__admin/ledger")!)
        return try JSONDecoder().decode(SimulatorLedger.self, from: data)
    }

    /// SIGTERM (SIGKILL after 10 s); the watchdog then ends by itself within a second.
    /// Returns at once (it is called from `defer`); the process is reaped in the background.
    func stop() {
        running.signal(SIGTERM)
        let (running, directory) = (running, directory)
        Task.detached {
            _ = await running.process.waitOrKill(timeout: 10)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
