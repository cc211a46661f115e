import ArgumentParser
import Dispatch
import EnhancorSimulator
import Foundation
import Logging
import UpscaleBatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Throughput of `EnhancorHTTPClient` driven the way the runner drives it: a serial Dispatch
/// feeder, `semaphore.wait()`, a non-blocking call whose completion signals. Against the
/// simulator in this process with a fixed answer latency, the ideal is concurrency / latency.
struct ClientBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "API client throughput against the in-process simulator (ideal: concurrency / latency).")

    enum Endpoint: String, ExpressibleByArgument, CaseIterable {
        case status, submit
    }

    @Option(help: "Number of API calls.")
    var requests = 20_000
    @Option(help: "Calls in flight at once (and the client's connection limit).")
    var concurrency = 64
    @Option(help: "The simulator's answer latency in seconds.")
    var latency = 0.020
    @Option(help: "Which call to make: status or submit.")
    var endpoint = Endpoint.status

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var simulator = SimulatorConfiguration()
        simulator.latencySeconds = latency
        simulator.fastDuration = 86_400
        simulator.professionalDuration = 86_400
        simulator.webhooksEnabled = false
        let server = try await SimulatorServer.start(simulator, logger: logger)
        let client = try EnhancorHTTPClient(
            configuration: .init(
                baseURL: server.baseURL, apiKey: simulator.apiKey, maxConnections: concurrency, environment: [:]),
            logger: logger)

        let requestID = try await client.submit(
            imageURL: "https://bench.example/warm-up.png", webhookURL: "http://127.0.0.1:9/hook", mode: .fast)
        let total = requests
        let endpoint = self.endpoint
        let before = Self.cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        let failures = await BenchSupport.runClosedLoop(count: total, concurrency: concurrency) { index, finished in
            switch endpoint {
            case .status:
                client.status(requestID: requestID) { finished($0.isFailure) }
            case .submit:
                client.submit(
                    imageURL: "https://bench.example/\(index).png", webhookURL: "http://127.0.0.1:9/hook", mode: .fast
                ) {
                    finished($0.isFailure)
                }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = Self.cpuSeconds() - before
        let ledger = server.ledger()
        let counters = client.counters
        try await client.shutdown()
        await server.stop()

        let rate = Double(total) / elapsed
        let ideal = Double(concurrency) / latency
        print(
            "client benchmark: \(total) \(endpoint.rawValue) calls, \(concurrency) in flight, server latency \(latency * 1000) ms"
        )
        print(String(format: "  elapsed            %.2f s", elapsed))
        print(String(format: "  requests/s         %.0f", rate))
        print(String(format: "  ratio to ideal     %.3f  (ideal %.0f req/s; target >= 0.9)", rate / ideal, ideal))
        print("  failures           \(failures)")
        print("  server maxInFlight \(ledger.maxInFlight)")
        print("  connections opened \(counters.connectionsOpened)  (retries \(counters.retries), 429s \(counters.rateLimited))")
        print(
            String(
                format: "  CPU per request    %.1f µs  (user+sys of this process; it includes the in-process simulator)",
                cpu / Double(total) * 1e6))
        fflush(nil)
        if failures > 0 { throw ExitCode(1) }
    }

    /// User plus system CPU time of this process, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension Result {
    fileprivate var isFailure: Bool { if case .failure = self { true } else { false } }
}
