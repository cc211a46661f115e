import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// The signal contract of the built binary (exit codes 75, 130 and 0), on the one signal path
/// that every command shares (ServiceLifecycle's UnixSignals).
@Suite(.bounded) struct SignalEndToEndTests {
    @Test func aSecondSIGINTDuringTheGracefulStopExits130AtOnce() async throws {
        // Every answer takes two minutes and the run waits up to ten for one: after the first
        // SIGINT the run waits for its requests in flight far longer than the test needs.
        let fixture = try await EndToEndFixture { $0.latencySeconds = 120 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(4)
        let running = try fixture.startRun(["--poll-only", "--concurrency", "2", "--request-timeout", "600"])
        try await waitUntil("a submission in flight") {
            (try? fixture.jobs().contains { $0["submitting"] as Bool }) ?? false || !running.process.isRunning
        }
        running.signal(SIGINT)
        try await waitUntil("the graceful stop to begin") {
            running.result().stderr.contains("interrupt: stopping") || !running.process.isRunning
        }
        running.signal(SIGINT)
        let result = await running.wait()
        #expect(result.code == 130, "\(result.stderr)")
        #expect(result.stderr.contains("second interrupt: exiting at once"))
        #expect(!result.stdout.contains("run finished"), "it did not wait for the requests in flight")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func simulateExitsZeroOnASignalSentAsSoonAsItListens(_ signal: Int32) async throws {
        let directory = NSTemporaryDirectory() + "signal-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let simulate = try BinaryRunner(directory: directory).start(["simulate", "--listen", "127.0.0.1:0"])
        let line = try await simulate.firstLine(startingWith: "listening on ")
        #expect(line.hasPrefix("listening on http://127.0.0.1:"))
        simulate.signal(signal)
        let exit = await simulate.wait()
        #expect(exit.code == 0, "signal \(signal): \(exit.stderr)")
    }
}
