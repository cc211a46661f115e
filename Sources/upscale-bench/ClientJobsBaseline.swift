import ArgumentParser
import Foundation
import Logging
import UpscaleBatch

/// `upscale-bench client-jobs`: the baseline of `upscale-bench run` (issue 15, point 1). The
/// API client alone does what a run does for each job at the API, and nothing else: a
/// submission, then a status call on its request id, with `--concurrency` requests in flight,
/// driven as the runner drives it (a serial Dispatch feeder waiting on a semaphore, completions
/// that signal it), with no store, no schedule and no bookkeeping. `upscale-bench run` starts it
/// in its own process against a simulator of its own and samples its CPU from outside, exactly
/// as it samples the run's, so that what a run costs beyond the client is the ratio of the two.
struct ClientJobsBaseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client-jobs",
        abstract: "The API client alone: a submission, then a status call, per job (the baseline of `run`).",
        shouldDisplay: false)

    @Option(help: "The API's base URL (a simulator on loopback).") var baseURL: String
    @Option(help: "Jobs: each is a submission, then a status call.") var jobs = 20_000
    @Option(help: "Requests in flight (and the client's connection limit).") var concurrency = 64

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        // The simulator's key, as the run gets it: from the environment, never printed.
        let apiKey = ProcessInfo.processInfo.environment["ENHANCOR_API_KEY"] ?? "sim-key"
        let client = try EnhancorHTTPClient(
            configuration: .init(baseURL: baseURL, apiKey: apiKey, maxConnections: concurrency, environment: [:]),
            logger: logger)
        let total = jobs
        let failures = await BenchSupport.runClosedLoop(count: total, concurrency: concurrency) { index, finished in
            let webhookURL = WebhookURL.callbackURL(
                base: RunConfiguration.pollOnlyWebhookURL, jobID: Int64(index), secret: "bench")
            client.submit(imageURL: "https://img.example/bench/\(index).jpg", webhookURL: webhookURL, mode: .fast) {
                submitted in
                guard case .success(let requestID) = submitted else { return finished(true) }
                client.status(requestID: requestID) { answer in
                    if case .failure = answer { finished(true) } else { finished(false) }
                }
            }
        }
        try await client.shutdown()
        if failures > 0 {
            print("client-jobs: \(failures) of \(total) jobs failed")
            throw ExitCode(1)
        }
    }
}
