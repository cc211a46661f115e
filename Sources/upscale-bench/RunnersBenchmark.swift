import ArgumentParser
import Foundation

/// `upscale-bench runners --db URL`: several runners on one PostgreSQL store (issue 13), each
/// an `upscale-batch run` process of its own, against one simulator (another process).
///
/// 1. Requests/s of one, two and three runners working the same jobs under `limits
///    --concurrency N` (each runner at `--concurrency N`, so the store's limit is what they
///    share), as a ratio of one runner's rate measured in the same round: the runners share the
///    machine's cores, so the ratio is what coordinating costs (target: three >= 0.9 of one).
///    The simulator's most requests in flight at once is printed beside (never above N).
/// 2. Take-over: two runners with `--lease L`; one is killed with SIGKILL while it holds
///    claims; the time from the kill until none of its claims is left (its poll claims and its
///    submissions in doubt, all taken by the live runner), against the target of lease + one
///    heartbeat (L + L/3). (Jobs it had only reserved are read again as the live runner's reads
///    reach them.)
struct RunnersBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runners", abstract: "Several runners on one PostgreSQL store: requests/s and take-over time.")

    @Option(help: "A PostgreSQL URL (its upscale_batch schema is dropped before each measurement).") var db: String
    @Option(help: "Jobs per measurement.") var jobs = 10_000
    @Option(help: "The store's concurrency (limits --concurrency), and each runner's own.") var concurrency = 64
    @Option(help: "Simulated API latency, seconds.") var latency = 0.020
    @Option(help: "Simulated job duration, seconds.") var jobDuration = 0.05
    @Option(help: "Runner counts to measure, comma-separated.") var runners = "1,2,3"
    @Option(help: "The lease of the take-over measurement, seconds.") var lease = 6.0

    func run() async throws {
        let counts = runners.split(separator: ",").compactMap { Int($0) }
        print(
            "runners benchmark: \(jobs) jobs, limits --concurrency \(concurrency), \(Int(latency * 1000)) ms latency, "
                + "poll only, on \(BenchSupport.withoutPassword(db))")
        var rates: [Int: Double] = [:]
        for count in counts {
            let (rate, most, codes, wall) = try await throughput(runners: count)
            rates[count] = rate
            let base = rates[counts.first ?? 1] ?? rate
            print(
                String(
                    format:
                        "  %d runner(s): %.1f s, %.0f requests/s = %.2f of %d runner(s); most in flight at the API %d; exit codes %@",
                    count, wall, rate, rate / base, counts.first ?? 1, most, "\(codes)"))
        }
        if let one = rates[1], let three = rates[3] {
            print(String(format: "  ratio three runners / one runner: %.2f (target >= 0.9)", three / one))
        }
        let takeOver = try await takeOverTime()
        print(
            String(
                format: "  take-over after SIGKILL: %.1f s with --lease %.0f (target <= lease + heartbeat = %.1f s)",
                takeOver, lease, lease * 4 / 3))
    }

    /// A fresh store with `jobs` pending jobs and the store's concurrency set; returns the
    /// simulator, its base URL, the directory and the environment of the runs.
    private func prepare(_ name: String) throws -> (Process, String, String, [String: String]) {
        let directory = try BenchSupport.temporaryDirectory(name)
        let (simulator, baseURL) = try BenchSupport.startSimulator(
            ["--latency-seconds", "\(latency)", "--fast-duration", "\(jobDuration)", "--duration-jitter", "0"],
            directory: directory)
        var text = "url\n"
        for index in 0..<jobs { text += "https://img.example/runners/\(index).jpg\n" }
        try text.write(toFile: directory + "/jobs.csv", atomically: true, encoding: .utf8)
        try BenchSupport.dropPostgresStore(url: db)
        let environment = ["UPSCALE_DB": db, "ENHANCOR_API_KEY": "sim-key"]
        try BenchSupport.run(["import", directory + "/jobs.csv"], environment: environment, directory: directory)
        try BenchSupport.run(["limits", "--concurrency", "\(concurrency)"], environment: environment, directory: directory)
        return (simulator, baseURL, directory, environment)
    }

    private func startRun(
        _ baseURL: String, _ directory: String, _ environment: [String: String], extra: [String] = []
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BenchSupport.binary)
        process.arguments =
            [
                "run", "--base-url", baseURL, "--concurrency", "\(concurrency)", "--poll-interval", "0.1", "--quiet",
                "--poll-only",
            ] + extra
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `count` runners on the same jobs: requests/s at the API over the wall time until the last ends.
    private func throughput(runners count: Int) async throws -> (Double, Int, [Int32], Double) {
        let (simulator, baseURL, directory, environment) = try prepare("runners")
        defer {
            simulator.terminate()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let started = Date()
        let processes = try (0..<count).map { _ in try startRun(baseURL, directory, environment) }
        while processes.contains(where: \.isRunning) { try await Task.sleep(nanoseconds: 50_000_000) }
        let wall = Date().timeIntervalSince(started)
        let ledger = try await BenchSupport.ledger(baseURL: baseURL)
        let requests = ledger["total_requests"] as? Int ?? 0
        return (Double(requests) / wall, ledger["max_in_flight"] as? Int ?? -1, processes.map(\.terminationStatus), wall)
    }

    /// Seconds from the SIGKILL of a runner holding work until none of it is left to it.
    private func takeOverTime() async throws -> Double {
        let (simulator, baseURL, directory, environment) = try prepare("takeover")
        defer {
            simulator.terminate()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let extra = ["--lease", "\(lease)"]
        let survivor = try startRun(baseURL, directory, environment, extra: extra)
        let victim = try startRun(baseURL, directory, environment, extra: extra)
        defer {
            survivor.terminate()
            survivor.waitUntilExit()  // before the next measurement drops the store under it
        }
        let held = { (run: String) throws -> Int in
            Int(
                try BenchSupport.psql(
                    url: db,
                    """
                    SELECT count(*) FROM upscale_batch.jobs
                    WHERE (polling AND polling_run = '\(run)')
                       OR (submitting AND submitting_run = '\(run)' AND request_id IS NULL AND state = 'PENDING')
                    """
                ).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        var runID = ""
        while try runID.isEmpty || held(runID) < 4 {
            try await Task.sleep(nanoseconds: 100_000_000)
            runID = try BenchSupport.psql(
                url: db,
                "SELECT id FROM upscale_batch.runs WHERE pid = \(victim.processIdentifier) AND ended_at IS NULL"
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            guard victim.isRunning else { throw BenchError("the runner to kill ended before it held work") }
        }
        kill(victim.processIdentifier, SIGKILL)
        let killed = Date()
        victim.waitUntilExit()
        while try held(runID) > 0 {
            guard survivor.isRunning else { throw BenchError("the live runner ended before it took the work over") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return Date().timeIntervalSince(killed)
    }
}
