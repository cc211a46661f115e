import Foundation
import TestSupport
import Testing

extension EndToEndFixture {
    /// Starts `run` with `extra` and SIGKILLs it `times` times, each at a random moment in
    /// `milliseconds` after its start line; returns the submissions left in doubt after the
    /// kills, summed (`inDoubt` counts them in the store, whichever engine holds it). The
    /// moment counts from the start line, not from the spawn: on a slow machine a process may
    /// need longer than the whole window just to start, and a kill before the first submission
    /// tests nothing. Shared by the SQLite and PostgreSQL crash tests.
    func killRuns(
        _ extra: [String], times: Int, milliseconds: ClosedRange<UInt64>, inDoubt: () async throws -> Int
    ) async throws -> Int {
        var generator = SystemRandomNumberGenerator()
        var leftInDoubt = 0
        for _ in 0..<times {
            let running = try startRun(extra)
            try await waitUntil("the run to start") {
                !running.process.isRunning || running.result().stderr.contains("run started")
            }
            try await Task.sleep(for: .milliseconds(UInt64.random(in: milliseconds, using: &generator)))
            running.signal(SIGKILL)
            let ended = await running.wait()
            #expect(ended.code == 128 + SIGKILL, "the run was still going when it was killed: \(ended.stderr.suffix(2000))")
            leftInDoubt += try await inDoubt()
        }
        return leftInDoubt
    }
}
