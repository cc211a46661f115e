import Foundation

/// A wait in a test that ran out of time: the test fails with what it was waiting for,
/// instead of hanging the suite.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public let what: String
    public let seconds: Double
    public var description: String { "gave up after \(seconds) s waiting for \(what)" }
}

/// Polls `condition` until it holds; throws `WaitTimedOut` naming `what` after `timeout`
/// seconds. The timeout is generous on purpose: it only bounds a test that is already broken,
/// and a slow or busy machine must never reach it.
public func waitUntil(
    _ what: String, timeout: Double = 60, every interval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what: what, seconds: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass, and says which: for tests that
/// `#expect` the outcome themselves.
public func eventually(timeout: Double = 60, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Polls `body` until it gives a value; throws `WaitTimedOut` naming `what` after `timeout`
/// seconds.
public func eventuallyValue<T>(_ what: String, timeout: Double = 90, _ body: () throws -> T?) async throws -> T {
    var found: T?
    try await waitUntil(what, timeout: timeout, every: .milliseconds(50)) {
        found = try body()
        return found != nil
    }
    return found!
}
