import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import UpscaleBatch

/// `upscale-bench webhook-load`: a burst of webhooks into `upscale-batch webhook serve` while
/// another process writes to the same store, as a `run` would.
///
/// It answers the question the receiver exists for: under load and write contention, is
/// every webhook either recorded or refused with a status that makes the sender retry?
/// Targets: 0 lost (jobs not COMPLETED afterwards), 0 errors (no answer at all).
struct WebhookLoadBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-load",
        abstract: "Send webhooks to `webhook serve` over many connections while the store is being written.")

    @Option(help: "In-flight jobs in the store, one webhook each.") var jobs = 5_000
    @Option(help: "Concurrent connections (and requests in flight).") var connections = 200
    @Option(help: "Pause between the competing writer's transactions, in milliseconds.") var writerPauseMs = 1.0
    @Option(
        help:
            "Jobs a real `upscale-batch run` submits and polls against the simulator meanwhile (0: a plain writer loop instead).")
    var runJobs = 3_000
    @Option(help: "The upscale-batch binary (default: beside this one).") var binary: String?
    @Flag(help: "Keep the temporary store for inspection.") var keep = false

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("webhook-load-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            if keep { print("store kept at \(directory.path)") } else { try? FileManager.default.removeItem(at: directory) }
        }
        let path = directory.appendingPathComponent("jobs.sqlite3").path
        let store = try SQLiteJobStore.openOrCreate(at: path)
        // The benchmark stages and reads the store from outside, on a connection of its own.
        let outside = try DatabasePool(path: path)
        try seed(outside, count: jobs)
        let secret = try await store.webhookSecret()

        let server = try WebhookServeProcess(binary: binary.map { URL(fileURLWithPath: $0) } ?? Self.siblingBinary, store: path)
        defer { server.stop() }
        let port = try await server.waitForPort()
        print("webhook serve listening on port \(port); \(jobs) jobs, \(connections) connections")
        fflush(nil)

        // The other writer: a real run on its own batch (submissions, request ids, poll answers),
        // or, with --run-jobs 0, a loop of small transactions.
        let otherRun = runJobs > 0 ? try startRun(store: path, directory: directory.path) : nil
        let writer =
            otherRun == nil
            ? CompetingWriter(database: try DatabasePool(path: path), jobs: Int64(jobs), pauseMs: writerPauseMs) : nil
        writer?.start()
        if otherRun != nil {
            // Send only once the run is busy writing: submissions recorded, polls under way.
            var submitted = 0
            while submitted < min(300, runJobs) {
                try await Task.sleep(nanoseconds: 20_000_000)
                submitted = try await outside.read { db in
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT count(*) FROM jobs WHERE request_id IS NOT NULL
                              AND batch_id = (SELECT id FROM batches WHERE name = 'run-load')
                            """) ?? 0
                }
            }
            print("a run on the same store has submitted \(submitted) of its \(runJobs) jobs; sending the webhooks")
        }
        let started = ContinuousClock.now
        let results = try await send(port: port, secret: secret)
        let elapsed = ContinuousClock.now - started
        let writes = writer?.stop() ?? 0
        let exitStatus = await server.terminate()
        var runStatus: Int32 = 0
        if let otherRun {
            while otherRun.run.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
            otherRun.simulator.terminate()
            runStatus = otherRun.run.terminationStatus
            let runCompleted = try await outside.read { db in
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM jobs WHERE state = 'COMPLETED'
                          AND batch_id = (SELECT id FROM batches WHERE name = 'run-load')
                        """) ?? 0
            }
            print("the run beside it: exit \(runStatus), \(runCompleted) of \(runJobs) jobs COMPLETED")
        }

        let completed = try await outside.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM jobs WHERE state = 'COMPLETED' AND result_url IS NOT NULL
                      AND batch_id != coalesce((SELECT id FROM batches WHERE name = 'run-load'), -1)
                    """) ?? 0
        }
        let report = LoadReport(results: results, lost: jobs - completed, elapsed: elapsed, writerTransactions: writes)
        print(report.text)
        print("webhook serve exit status after SIGTERM: \(exitStatus)")
        fflush(nil)
        if report.lost > 0 || report.errors > 0 || exitStatus != 0 || runStatus != 0 { throw ExitCode(1) }
    }

    /// Starts `upscale-batch simulate` and an `upscale-batch run` of `runJobs` jobs (batch
    /// `run-load`) on the same store, both in their own processes.
    private func startRun(store: String, directory: String) throws -> (simulator: Process, run: Process) {
        let (simulator, baseURL) = try BenchSupport.startSimulator(
            ["--fast-duration", "1", "--latency-seconds", "0.02"], directory: directory)
        let csv = directory + "/run-load.csv"
        try ("url\n" + (0..<runJobs).map { "https://img.example/run-load/\($0).jpg" }.joined(separator: "\n") + "\n")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let environment = ["UPSCALE_DB": store, "ENHANCOR_API_KEY": "sim-key"]
        try BenchSupport.run(["import", csv, "--batch", "run-load"], environment: environment, directory: directory)
        let run = Process()
        run.executableURL = URL(fileURLWithPath: BenchSupport.binary)
        run.arguments = [
            "run", "--base-url", baseURL, "--poll-only", "--batch", "run-load", "--concurrency", "32",
            "--poll-interval", "0.5", "--quiet",
        ]
        run.currentDirectoryURL = URL(fileURLWithPath: directory)
        run.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        run.standardOutput = FileHandle.nullDevice
        try run.run()
        return (simulator, run)
    }

    /// The in-flight jobs: IN_QUEUE with a request id and a cost, as a run leaves them.
    private func seed(_ database: DatabasePool, count: Int) throws {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO batches (name, source_file, imported_at)
                    VALUES ('webhook-load', 'bench.csv', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    """)
            let batch = db.lastInsertedRowID
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO jobs (batch_id, url, mode, state, request_id, cost, submitted_at, created_at, updated_at)
                    VALUES (?, ?, 'fast', 'IN_QUEUE', ?, 120, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
                    """)
            for index in 1...count {
                try insert.execute(arguments: [batch, "https://images.test/\(index).jpg", "req-\(index)"])
            }
        }
    }

    /// Sends one webhook per job with at most `connections` in flight.
    private func send(port: Int, secret: String) async throws -> [RequestResult] {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        configuration.timeout.connect = .seconds(30)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var results: [RequestResult] = []
        results.reserveCapacity(jobs)
        await withTaskGroup(of: RequestResult.self) { group in
            var next = 1
            func addNext() {
                let jobID = next
                next += 1
                group.addTask { await Self.deliver(client: client, port: port, jobID: jobID, secret: secret) }
            }
            while next <= min(jobs, connections) { addNext() }
            while let result = await group.next() {
                results.append(result)
                if next <= jobs { addNext() }
            }
        }
        try await client.shutdown()
        return results
    }

    private static func deliver(client: HTTPClient, port: Int, jobID: Int, secret: String) async -> RequestResult {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhook?ub_job=\(jobID)&ub_token=\(secret)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(
                string: """
                    {"request_id": "req-\(jobID)", "status": "success", "result": "https://cdn.test/\(jobID).png"}
                    """))
        let started = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .seconds(120))
            _ = try await response.body.collect(upTo: 64 * 1024)
            return RequestResult(status: Int(response.status.code), latency: ContinuousClock.now - started, error: nil)
        } catch {
            return RequestResult(status: nil, latency: ContinuousClock.now - started, error: "\(error)")
        }
    }

    static var siblingBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("upscale-batch")
    }
}

extension WebhookLoadBenchmark {
    /// One webhook's answer: a status code, or the error that stood in for one.
    struct RequestResult: Sendable {
        var status: Int?
        var latency: Duration
        var error: String?
    }

    /// The figures the benchmark prints.
    struct LoadReport {
        var results: [RequestResult]
        var lost: Int
        var elapsed: Duration
        var writerTransactions: Int

        var errors: Int { results.filter { $0.error != nil }.count }

        var text: String {
            let ok = results.filter { $0.status == 200 }.count
            var others: [Int: Int] = [:]
            for case let status? in results.map(\.status) where status != 200 { others[status, default: 0] += 1 }
            let latencies = results.map(\.latency).sorted()
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let breakdown =
                others.isEmpty
                ? "" : " (" + others.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
            var lines = [
                "sent \(results.count)",
                "200s \(ok)",
                "non-200s \(results.count - ok - errors)\(breakdown)",
                "lost \(lost)",
                "errors \(errors)",
                "p50 \(Self.millis(Self.percentile(latencies, 0.50))) ms",
                "p99 \(Self.millis(Self.percentile(latencies, 0.99))) ms",
                "elapsed \(String(format: "%.2f", seconds)) s, \(String(format: "%.0f", Double(results.count) / max(seconds, 1e-9))) webhooks/s",
                writerTransactions > 0 ? "competing writer: \(writerTransactions) transactions" : "",
            ]
            if let first = results.first(where: { $0.error != nil })?.error { lines.append("first error: \(first)") }
            return lines.joined(separator: "\n")
        }

        static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
            return sorted[max(0, index)]
        }

        static func millis(_ duration: Duration) -> String {
            let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            return String(format: "%.1f", ms)
        }
    }

    /// Small write transactions on the same store from this process, standing in for a `run`
    /// (poll bookkeeping), on a thread of its own because GRDB's writes block.
    ///
    /// `@unchecked Sendable` is sound: `stopped` and `count` are only touched under `lock`.
    final class CompetingWriter: @unchecked Sendable {
        private let database: DatabasePool
        private let jobs: Int64
        private let pauseMs: Double
        private let lock = NSLock()
        private var stopped = false
        private var count = 0
        private let done = DispatchSemaphore(value: 0)

        init(database: DatabasePool, jobs: Int64, pauseMs: Double) {
            self.database = database
            self.jobs = jobs
            self.pauseMs = pauseMs
        }

        func start() {
            Thread.detachNewThread { self.loop() }
        }

        /// Stops the loop and returns how many transactions it committed.
        func stop() -> Int {
            lock.withLock { stopped = true }
            done.wait()
            return lock.withLock { count }
        }

        private func loop() {
            defer { done.signal() }
            var generator = SystemRandomNumberGenerator()
            while !lock.withLock({ stopped }) {
                let id = Int64.random(in: 1...jobs, using: &generator)
                do {
                    try database.write { db in
                        try db.execute(
                            sql: "UPDATE jobs SET poll_count = poll_count + 1 WHERE id = ?", arguments: [id])
                    }
                    lock.withLock { count += 1 }
                } catch {
                    FileHandle.standardError.write(Data("competing writer: \(error)\n".utf8))
                }
                if pauseMs > 0 { Thread.sleep(forTimeInterval: pauseMs / 1000) }
            }
        }
    }

    /// `upscale-batch webhook serve --listen 127.0.0.1:0` in its own process.
    final class WebhookServeProcess: Sendable {
        private let process: Process
        private let stdout: Pipe

        init(binary: URL, store: String) throws {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["webhook", "serve", "--listen", "127.0.0.1:0", "--db", store]
            let stdout = Pipe()
            process.standardOutput = stdout
            // Its log goes to a file beside the store: an unread pipe would fill and block it.
            let logPath = (store as NSString).deletingLastPathComponent + "/webhook-serve.log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: logPath)
            try process.run()
            self.process = process
            self.stdout = stdout
        }

        /// Reads the `listening on http://HOST:PORT` line and returns the port.
        func waitForPort() async throws -> Int {
            let handle = stdout.fileHandleForReading
            let line: String = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    var bytes: [UInt8] = []
                    while let byte = handle.readData(ofLength: 1).first, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                    continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
                }
            }
            guard line.hasPrefix("listening on "), let port = Int(line.split(separator: ":").last ?? "") else {
                throw ValidationError("webhook serve did not start: \(line.isEmpty ? "no output" : line)")
            }
            return port
        }

        /// SIGTERM, then its exit status.
        func terminate() async -> Int32 {
            process.terminate()
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    self.process.waitUntilExit()
                    continuation.resume(returning: self.process.terminationStatus)
                }
            }
        }

        /// Ends the process if it still runs (on an early error).
        func stop() {
            if process.isRunning { process.terminate() }
        }
    }
}
