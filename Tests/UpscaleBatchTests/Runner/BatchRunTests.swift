import EnhancorSimulator
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// A whole run behind one call: it reports the outcome and the summary, shuts the client down
/// whatever happens, and refuses a store whose jobs in flight belong to another account.
@Suite(.bounded) struct BatchRunTests {
    /// A simulator on a free loopback port and a client the run owns (the run shuts it down).
    func withSimulator<T>(_ body: (EnhancorHTTPClient, SimulatorServer) async throws -> T) async throws -> T {
        var simulator = SimulatorConfiguration()
        simulator.webhooksEnabled = false
        simulator.fastDuration = 0.05
        let server = try await SimulatorServer.start(simulator, logger: APISimulatorHarness.quietLogger)
        do {
            let client = try EnhancorHTTPClient(
                configuration: EnhancorClientConfiguration(
                    baseURL: server.baseURL, apiKey: simulator.apiKey, environment: [:], retry: APISimulatorHarness.fastPolicy),
                logger: APISimulatorHarness.quietLogger)
            let result = try await body(client, server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func configuration() -> RunConfiguration {
        var configuration = RunConfiguration(webhookBaseURL: RunConfiguration.pollOnlyWebhookURL)
        configuration.pollInterval = 0.1
        return configuration
    }

    @Test func aRunReportsItsOutcomeAndSummaryAndShutsTheClientDown() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(store, count: 20)
        try await withSimulator { client, server in
            var run = BatchRun(
                store: store, client: client, configuration: configuration(), apiKey: "sim-key", baseURL: server.baseURL,
                logger: APISimulatorHarness.quietLogger)
            let scope = Mutex(-1)
            run.hooks.started = { _, count in scope.withLock { $0 = count } }
            let report = try await run.run()
            #expect(report.outcome == .allCompleted)
            #expect(scope.withLock { $0 } == 20)
            let summary = try report.summary.get()
            #expect(summary.status.counts[.completed] == 20)
            #expect(summary.statistics.submissions == 20)
            #expect(report.downloads == nil && report.successMarkError == nil)
            // The run shut its client down: a later call never leaves.
            let after = await APISimulatorHarness.result {
                try await client.submit(imageURL: "https://i/late.png", webhookURL: APISimulatorHarness.webhookURL, mode: .fast)
            }
            guard case .failure(.cancelled) = after else {
                Issue.record("a call after the run should be cancelled, got \(after)")
                return
            }
        }
    }

    @Test func jobsInFlightUnderAnotherAccountStopTheRunBeforeAnyRequest() async throws {
        let dir = TemporaryDirectory()
        let store = try StoreFixtures.makeStore(in: dir)
        let id = try await StoreFixtures.insertJobs(store, count: 3)[0]
        try StoreFixtures.update(store, job: id, "request_id = 'r-other', state = 'IN_PROGRESS', account = 'another'")
        try await withSimulator { (client: EnhancorHTTPClient, server: SimulatorServer) async throws in
            let run = BatchRun(
                store: store, client: client, configuration: configuration(), apiKey: "sim-key", baseURL: server.baseURL,
                logger: APISimulatorHarness.quietLogger)
            do {
                _ = try await run.run()
                Issue.record("the run should not begin")
            } catch {
                guard case .anotherAccount(let jobs)? = error as? BatchRunError else {
                    Issue.record("expected another account's jobs, got \(error)")
                    return
                }
                #expect(jobs == 1)
            }
            #expect(server.ledger().totalRequests == 0, "nothing reached the API")
            #expect(try await store.statusSnapshot().unsubmitted == 2, "nothing was claimed")
        }
    }
}
