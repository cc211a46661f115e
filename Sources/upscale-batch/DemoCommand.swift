import ArgumentParser
import EnhancorSimulator
import Foundation
import Logging
import UpscaleBatch

/// `demo`: the whole product against the embedded simulator, with no key and no set-up.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try it: import a sample list and run it against a local simulator of the API (no key needed).",
        discussion: """
            Starts the simulator on a free loopback port, imports the built-in sample list into a
            fresh temporary store (never your UPSCALE_DB), runs it with a webhook listener, and
            prints the cost report and where the store is.
            """)

    @Option(help: "Most API requests in flight at once.") var concurrency: Int = 8

    func run() async throws {
        let directory = NSTemporaryDirectory() + "upscale-batch-demo-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let storePath = directory + "/demo.sqlite3"
        let csvPath = directory + "/sample.csv"
        try DemoSample.csv.write(toFile: csvPath, atomically: true, encoding: .utf8)

        var simulatorLogger = Logger(label: "upscale-batch.demo.simulator")
        simulatorLogger.logLevel = .warning
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.apiKey = "sim-key"
        let simulator = try await SimulatorServer.start(simulatorConfiguration, logger: simulatorLogger)
        StandardOutput.print("simulator of the Enhancor API listening on \(simulator.baseURL)\n")

        let store = try CommandFailure.wrap { () throws(StoreError) in try SQLiteJobStore.openOrCreate(at: storePath) }
        do {
            let importer = try await JobImporter.reading(path: csvPath)
            let summary = try await importer.run(into: store, batchName: "demo") { row in
                printError("sample.csv:\(row.line): \(row.reason)")
            }
            StandardOutput.print("\(summary.description) from the built-in sample list\n")
        } catch {
            await simulator.stop()
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }

        var options = try RunOptions.parse(["--concurrency", String(concurrency)])
        options.quiet = false
        let session = RunSession(
            store: store, options: options, apiKey: simulatorConfiguration.apiKey, baseURL: simulator.baseURL,
            caFile: nil, webhook: .listener(ListenAddress(host: "127.0.0.1", port: 0)))
        let code: Int32
        do {
            code = try await session.execute()
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()

        let report = try await CommandFailure.wrapAsync { () async throws(StoreError) in
            try await store.costReport(by: .mode, filter: ReportFilter())
        }
        StandardOutput.print("\ncost report (upscale-batch report --db \(storePath)):\n" + CostReportRenderer.table(report))
        StandardOutput.print("\nthe job store is \(storePath)\ntry: upscale-batch list --db \(storePath)\n")
        if code != 0 { throw ExitCode(code) }
    }
}
