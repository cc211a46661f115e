import Dispatch
import Foundation
import Testing

/// The backstop under every wait of the suite: a test case still running after `seconds` ends
/// the whole test process with a message naming it.
///
/// Every wait in the tests has its own deadline (`waitUntil`, `ChildProcess.wait`) that fails
/// its test with a message. This catches what those cannot: an await that is never resumed
/// (a lost continuation) cannot be cancelled or abandoned safely, and Swift Testing's
/// `.timeLimit` counts whole minutes and still waits for such a test for ever. Stopping the
/// process is the one bounded answer; the message says which test and how long.
public struct BoundedTrait: TestTrait, SuiteTrait, TestScoping {
    public let seconds: Int

    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        let name = "\(test.sourceLocation.fileName):\(test.sourceLocation.line) \(test.name)"
        let limit = seconds
        // A Dispatch timer, not a task: it must fire even when every thread of the cooperative
        // pool is blocked (a deadlock is one of the hangs it is there to end).
        let watchdog = DispatchWorkItem {
            FileHandle.standardError.write(
                Data("\nBOUND EXCEEDED: \(name) was still running after \(limit) s; stopping the test process\n".utf8))
            exit(124)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(limit), execute: watchdog)
        defer { watchdog.cancel() }
        try await function()
    }
}

extension Trait where Self == BoundedTrait {
    /// Every test case under this suite (or this test) must finish within `seconds`
    /// (default 300 s), or the test process stops naming it: no test can hang the suite.
    public static func bounded(seconds: Int = 300) -> Self { BoundedTrait(seconds: seconds) }

    /// `bounded(seconds: 300)`.
    public static var bounded: Self { BoundedTrait(seconds: 300) }
}
