import ArgumentParser
import Foundation

/// `upscale-bench run`: the whole runner (`upscale-batch run`, its own process) against the
/// simulator (another process) with a fixed latency. Prints the request rate as a ratio of the
/// ideal `concurrency / latency`, the runner's CPU per job, status calls per job, peak RSS.
///
/// With `--compare-with BINARY` (an `upscale-batch` built from another commit, e.g. with
/// `--scratch-path .build-before`), both binaries run the same benchmark in turn, `--rounds`
/// times each, and the medians are printed side by side with their ratio: a change is judged
/// against a baseline measured in the same run, on the same machine, under the same noise.
///
/// With `--db URL` (a PostgreSQL database; `scripts/bench-postgres.sh` makes one on a throwaway
/// cluster) the store is that database's `upscale_batch` schema, dropped with `psql` before each
/// measurement so every run starts from a fresh store, as the SQLite file in its temporary
/// directory does. `--server-pid` (the postmaster's) adds the server's CPU per job, shown apart.
struct RunBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Requests/s against the ideal, CPU per job and peak RSS of a whole run.")

    @Option(help: "Jobs to run.") var jobs = 20_000
    @Option(help: "Requests in flight.") var concurrency = 64
    @Option(help: "Simulated API latency, seconds.") var latency = 0.020
    @Option(help: "Simulated job duration, seconds.") var jobDuration = 0.05
    @Flag(help: "Receive webhooks (--listen) instead of polling only.") var webhooks = false
    @Option(help: "Pass --rate to the run and compare the achieved request rate with it.") var rate: Double?
    @Flag(
        inversion: .prefixedNo,
        help:
            "Measure the API client alone on the same jobs first (not with --rate or --compare-with), and print the run against it."
    )
    var clientAlone = true
    @Option(help: "Another upscale-batch binary to measure the same way, alternating with this build's.")
    var compareWith: String?
    @Option(help: "Rounds per binary with --compare-with (medians are compared).") var rounds = 3
    @Option(help: "A PostgreSQL URL (a database psql can reach; its upscale_batch schema is dropped first).")
    var db: String?
    @Option(help: "With --db: the postmaster's pid, to show the server's CPU per job apart.") var serverPid: Int32?

    /// What one run of the benchmark measured.
    struct Measurement {
        var exitCode: Int32
        var wall: Double
        var requestsPerSecond: Double
        var cpuPerJobMs: Double
        var statusCallsPerJob: Double
        var peakRSSMB: Double
        var maxInFlight: Int
        var busiestSecond: Int
        /// The server's CPU per job (with `--server-pid`), nil otherwise.
        var serverCPUPerJobMs: Double?
    }

    func run() async throws {
        let ideal = Double(concurrency) / latency
        print(
            "run benchmark: \(jobs) jobs, \(concurrency) in flight, \(Int(latency * 1000)) ms latency, \(webhooks ? "webhooks" : "poll only")"
        )
        print("  store: \(try storeSettings())")
        guard let baseline = compareWith else {
            // The client alone first (not with --rate, which compares with its own target).
            let alone = clientAlone && rate == nil ? try await measureClientAlone() : nil
            let result = try await measure(binary: BenchSupport.binary)
            print(String(format: "  exit code %d, %.1f s", result.exitCode, result.wall))
            if let target = rate {
                print(
                    String(
                        format: "  requests/s: %.1f = %.3f of --rate %.0f (busiest second at the API: %d)",
                        result.requestsPerSecond, result.requestsPerSecond / target, target, result.busiestSecond))
            } else {
                print(
                    String(
                        format: "  requests/s: %.0f = %.2f of the ideal %.0f", result.requestsPerSecond,
                        result.requestsPerSecond / ideal, ideal))
            }
            print("  most in flight at the simulator: \(result.maxInFlight)")
            print(String(format: "  runner CPU per job: %.3f ms", result.cpuPerJobMs))
            if let server = result.serverCPUPerJobMs {
                print(String(format: "  PostgreSQL server CPU per job: %.3f ms (apart from the runner's)", server))
            }
            print(String(format: "  status calls per job: %.2f", result.statusCallsPerJob))
            print(String(format: "  runner peak RSS: %.1f MB", result.peakRSSMB))
            if let alone { printAgainst(alone, result, ideal: ideal) }
            return
        }
        var current: [Measurement] = []
        var before: [Measurement] = []
        for round in 1...rounds {
            before.append(try await measure(binary: baseline))
            current.append(try await measure(binary: BenchSupport.binary))
            print(
                String(
                    format: "  round %d: baseline %.0f req/s %.3f ms CPU/job | this build %.0f req/s %.3f ms CPU/job", round,
                    before[round - 1].requestsPerSecond, before[round - 1].cpuPerJobMs,
                    current[round - 1].requestsPerSecond, current[round - 1].cpuPerJobMs))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let rateNow = median(current.map(\.requestsPerSecond))
        let rateBefore = median(before.map(\.requestsPerSecond))
        let cpuNow = median(current.map(\.cpuPerJobMs))
        let cpuBefore = median(before.map(\.cpuPerJobMs))
        print("  baseline: \(baseline)")
        print(
            String(
                format: "  requests/s (median of %d): this build %.0f (%.2f of ideal), baseline %.0f (%.2f of ideal): ratio %.3f",
                rounds, rateNow, rateNow / ideal, rateBefore, rateBefore / ideal, rateNow / rateBefore))
        print(
            String(
                format: "  runner CPU per job (median): this build %.3f ms, baseline %.3f ms: ratio %.3f", cpuNow, cpuBefore,
                cpuNow / cpuBefore))
        print(
            String(
                format: "  peak RSS (median): this build %.1f MB, baseline %.1f MB", median(current.map(\.peakRSSMB)),
                median(before.map(\.peakRSSMB))))
        print("  exit codes: this build \(current.map(\.exitCode)), baseline \(before.map(\.exitCode))")
    }

    /// One whole run of `binary` against a fresh simulator and a fresh store.
    private func measure(binary: String) async throws -> Measurement {
        try await withSimulator("run") { directory, baseURL in
            try await measure(binary: binary, directory: directory, baseURL: baseURL)
        }
    }

    /// That run, in `directory` against the simulator at `baseURL`: the jobs imported, then the
    /// run sampled from outside, then the simulator's ledger read.
    private func measure(binary: String, directory: String, baseURL: String) async throws -> Measurement {
        let csv = directory + "/jobs.csv"
        var text = "url\n"
        text.reserveCapacity(jobs * 40)
        for index in 0..<jobs { text += "https://img.example/bench/\(index).jpg\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        if let db { try BenchSupport.dropPostgresStore(url: db) }
        let environment = ["UPSCALE_DB": db ?? directory + "/bench.sqlite3", "ENHANCOR_API_KEY": "sim-key"]
        try BenchSupport.run(["import", csv], environment: environment, directory: directory, binary: binary)
        let serverBefore = serverPid.flatMap(BenchSupport.cumulativeCPU(pid:))

        let process = Self.measuredProcess(
            binary,
            ["run", "--base-url", baseURL, "--concurrency", "\(concurrency)", "--poll-interval", "0.1", "--quiet"]
                + (webhooks ? ["--listen", "127.0.0.1:0"] : ["--poll-only"])
                + (rate.map { ["--rate", "\($0)"] } ?? []),
            environment: environment, directory: directory)
        let (wall, last) = try await BenchSupport.watch(process)
        var serverCPU: Double?
        if let pid = serverPid, let before = serverBefore {
            // The run's backends have exited with it; the postmaster reaps them (their CPU then
            // counts in its children's times) within moments.
            try await Task.sleep(nanoseconds: 300_000_000)
            serverCPU = BenchSupport.cumulativeCPU(pid: pid).map { $0 - before }
        }
        let ledger = try await BenchSupport.ledger(baseURL: baseURL)
        let requests = ledger["total_requests"] as? Int ?? 0
        let statusCalls = (ledger["requests"] as? [String: [String: Int]])?["status"]?.values.reduce(0, +) ?? 0
        return Measurement(
            exitCode: process.terminationStatus, wall: wall, requestsPerSecond: Double(requests) / wall,
            cpuPerJobMs: last.cpu * 1000 / Double(jobs), statusCallsPerJob: Double(statusCalls) / Double(jobs),
            peakRSSMB: Double(last.peakRSS) / 1_048_576, maxInFlight: ledger["max_in_flight"] as? Int ?? -1,
            busiestSecond: ledger["busiest_second"] as? Int ?? -1,
            serverCPUPerJobMs: serverCPU.map { $0 * 1000 / Double(jobs) })
    }

    /// What the API client alone (`upscale-bench client-jobs`) did for the same jobs.
    struct ClientAlone {
        var requestsPerSecond: Double
        var cpuPerJobMs: Double
        var maxInFlight: Int
        var peakRSSMB: Double
    }

    /// The client alone, a job's two requests each, in its own process against a simulator of
    /// its own with the run's settings, its CPU sampled from outside as the run's is.
    private func measureClientAlone() async throws -> ClientAlone {
        try await withSimulator("client-jobs") { directory, baseURL in
            let process = Self.measuredProcess(
                BenchSupport.benchBinary,
                ["client-jobs", "--base-url", baseURL, "--jobs", "\(jobs)", "--concurrency", "\(concurrency)"],
                environment: ["ENHANCOR_API_KEY": "sim-key"], directory: directory)
            let (wall, last) = try await BenchSupport.watch(process)
            guard process.terminationStatus == 0 else { throw BenchError("client-jobs exited \(process.terminationStatus)") }
            let ledger = try await BenchSupport.ledger(baseURL: baseURL)
            return ClientAlone(
                requestsPerSecond: Double(ledger["total_requests"] as? Int ?? 0) / wall,
                cpuPerJobMs: last.cpu * 1000 / Double(jobs), maxInFlight: ledger["max_in_flight"] as? Int ?? -1,
                peakRSSMB: Double(last.peakRSS) / 1_048_576)
        }
    }

    /// Runs `body` in a fresh temporary directory against a simulator of its own (its own
    /// process) with the run's latency and job duration, then stops the simulator and removes
    /// the directory. The run and the client alone are measured against the same simulator
    /// settings, so that what they cost compares.
    private func withSimulator<T>(
        _ name: String, _ body: (_ directory: String, _ baseURL: String) async throws -> T
    ) async throws -> T {
        let directory = try BenchSupport.temporaryDirectory(name)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (simulator, baseURL) = try BenchSupport.startSimulator(
            ["--latency-seconds", "\(latency)", "--fast-duration", "\(jobDuration)", "--duration-jitter", "0"],
            directory: directory)
        defer { simulator.terminate() }
        return try await body(directory, baseURL)
    }

    /// The process a measurement samples (`BenchSupport.watch`): `binary` with `arguments` in
    /// `directory`, this process's environment plus `environment`, its output dropped.
    private static func measuredProcess(
        _ binary: String, _ arguments: [String], environment: [String: String], directory: String
    ) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        return process
    }

    /// The run beside the client alone: what the store, the schedule and the bookkeeping cost.
    private func printAgainst(_ alone: ClientAlone, _ run: Measurement, ideal: Double) {
        print(
            String(
                format:
                    "  the client alone (a submission, then a status call, per job; no store): %.0f requests/s = %.2f of the ideal, CPU per job %.3f ms, most in flight %d",
                alone.requestsPerSecond, alone.requestsPerSecond / ideal, alone.cpuPerJobMs, alone.maxInFlight))
        // With webhooks the run also receives one per job (an HTTP request the client alone
        // never has), so only its rate has a target against the client's.
        let target = webhooks ? ">= 0.9 with webhooks" : ">= 0.95"
        let cpuTarget = webhooks ? "no target: the run also receives a webhook per job" : "target <= 1.3x"
        print(
            String(
                format: "  the run against the client alone: requests/s %.2f (target %@), CPU per job %.2fx (%@)",
                run.requestsPerSecond / alone.requestsPerSecond, target, run.cpuPerJobMs / alone.cpuPerJobMs, cpuTarget))
        // The client alone links the same HTTP client, NIO and Foundation without the store:
        // the part of the run's memory that is the libraries' own pages and threads.
        print(
            String(
                format: "  peak RSS: the run %.1f MB, the client alone %.1f MB (the same libraries, no store)",
                run.peakRSSMB, alone.peakRSSMB))
    }

    /// The store and its settings as the product sets them, for the printout.
    private func storeSettings() throws -> String {
        guard let db else {
            return "SQLite file in a temporary directory (the product's settings: WAL, synchronous = NORMAL)"
        }
        let server = try BenchSupport.psql(
            url: db,
            "SELECT concat_ws(', ', 'server ' || current_setting('server_version'), "
                + "'fsync ' || current_setting('fsync'), 'shared_buffers ' || current_setting('shared_buffers'))")
        return "PostgreSQL \(BenchSupport.withoutPassword(db)) (the product's settings: pool_max 4 unless the URL "
            + "says, synchronous_commit on except poll answers; \(server.trimmingCharacters(in: .whitespacesAndNewlines)))"
    }
}
