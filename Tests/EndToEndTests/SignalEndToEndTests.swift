import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// The signal contract of the built binary (exit codes 75, 130 and 0), on the one signal path
/// that every command shares (ServiceLifecycle's UnixSignals).
@Suite(.bounded) struct SignalEndToEndTests {
    /// After a first SIGINT the run waits for its requests in flight for its shutdown grace (5 s);
    /// a second SIGINT within it exits at once with 130, without the summary. The simulator
    /// answers nothing for two minutes, so the grace always runs out in full. An attempt in
    /// which the run ended before the second signal could be sent (a machine stalled for 5 s)
    /// proves nothing and is tried again.
    @Test func aSecondSIGINTDuringTheGracefulStopExits130AtOnce() async throws {
        let fixture = try await EndToEndFixture { $0.latencySeconds = 120 }
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(4)
        for attempt in 1...3 {
            let running = try fixture.startRun(["--poll-only", "--concurrency", "2", "--request-timeout", "600"])
            try await waitUntil("a submission in flight (attempt \(attempt))") {
                (try? fixture.jobs().contains { $0["submitting"] as Bool }) ?? false || !running.process.isRunning
            }
            running.signal(SIGINT)
            try await waitUntil("the graceful stop to begin (attempt \(attempt))") {
                running.result().stderr.contains("interrupt: stopping") || !running.process.isRunning
            }
            guard running.process.isRunning else {
                let early = await running.wait()
                #expect(early.code == 75, "attempt \(attempt): \(early.stderr)")
                continue
            }
            running.signal(SIGINT)
            let result = await running.wait()
            #expect(result.code == 130, "attempt \(attempt): \(result.stderr)")
            #expect(result.stderr.contains("second interrupt: exiting at once"))
            #expect(!result.stdout.contains("run finished"), "it did not wait for the requests in flight")
            return
        }
        Issue.record("three attempts ended before their second SIGINT could be sent")
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
