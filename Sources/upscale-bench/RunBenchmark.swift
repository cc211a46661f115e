import ArgumentParser
import Foundation

/// `upscale-bench run`: the whole runner (`upscale-batch run`, its own process) against the
/// simulator (another process) with a fixed latency. Prints the request rate as a ratio of the
/// ideal `concurrency / latency`, the runner's CPU per job, status calls per job, peak RSS.
struct RunBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Requests/s against the ideal, CPU per job and peak RSS of a whole run.")

    @Option(help: "Jobs to run.") var jobs = 20_000
    @Option(help: "Requests in flight.") var concurrency = 64
    @Option(help: "Simulated API latency, seconds.") var latency = 0.020
    @Option(help: "Simulated job duration, seconds.") var jobDuration = 0.05
    @Flag(help: "Receive webhooks (--listen) instead of polling only.") var webhooks = false
    @Option(help: "Pass --rate to the run and compare the achieved request rate with it.") var rate: Double?

    func run() async throws {
        let directory = try BenchSupport.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (simulator, baseURL) = try BenchSupport.startSimulator(
            ["--latency-seconds", "\(latency)", "--fast-duration", "\(jobDuration)", "--duration-jitter", "0"],
            directory: directory)
        defer { simulator.terminate() }

        let csv = directory + "/jobs.csv"
        var text = "url\n"
        text.reserveCapacity(jobs * 40)
        for index in 0..<jobs { text += "https://img.example/bench/\(index).jpg\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let environment = ["UPSCALE_DB": directory + "/bench.sqlite3", "ENHANCOR_API_KEY": "sim-key"]
        try BenchSupport.run(["import", csv], environment: environment, directory: directory)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: BenchSupport.binary)
        process.arguments =
            ["run", "--base-url", baseURL, "--concurrency", "\(concurrency)", "--poll-interval", "0.1", "--quiet"]
            + (webhooks ? ["--listen", "127.0.0.1:0"] : ["--poll-only"])
            + (rate.map { ["--rate", "\($0)"] } ?? [])
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var last: (cpu: Double, peakRSS: Int) = (0, 0)
        while process.isRunning {
            if let sample = BenchSupport.sample(pid: process.processIdentifier) { last = sample }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let wall = Date().timeIntervalSince(started)
        let ledger = try await BenchSupport.ledger(baseURL: baseURL)
        let requests = ledger["total_requests"] as? Int ?? 0
        let statusCalls = (ledger["requests"] as? [String: [String: Int]])?["status"]?.values.reduce(0, +) ?? 0
        let ideal = Double(concurrency) / latency
        let achieved = Double(requests) / wall
        print(
            "run benchmark: \(jobs) jobs, \(concurrency) in flight, \(Int(latency * 1000)) ms latency, \(webhooks ? "webhooks" : "poll only")"
        )
        print(String(format: "  exit code %d, %.1f s", process.terminationStatus, wall))
        if let target = rate {
            print(
                String(
                    format: "  requests/s: %.1f = %.3f of --rate %.0f (busiest second at the API: %d)",
                    achieved, achieved / target, target, ledger["busiest_second"] as? Int ?? -1))
        } else {
            print(String(format: "  requests/s: %.0f = %.2f of the ideal %.0f", achieved, achieved / ideal, ideal))
        }
        print("  most in flight at the simulator: \(ledger["max_in_flight"] as? Int ?? -1)")
        print(String(format: "  runner CPU per job: %.3f ms", last.cpu * 1000 / Double(jobs)))
        print(String(format: "  status calls per job: %.2f", Double(statusCalls) / Double(jobs)))
        print(String(format: "  runner peak RSS: %.1f MB", Double(last.peakRSS) / 1_048_576))
    }
}
