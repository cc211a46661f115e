import PostgresNIO
import Synchronization

/// One call of the store on a pooled connection, with bounds that hold whatever postgres-nio
/// does: its caller is answered when the work ends, when no connection came within the lease
/// deadline, or when its connection has been closed for `closedGrace`, whichever comes first.
///
/// Why not a task group with a timer: a group waits for all of its children before it
/// returns, and neither a lease request of the pool nor a query on a connection that the
/// server dropped is sure to end (seen under load: a run whose server was stopped waited on a
/// write for ever, and never reached its store grace). Here the caller is resumed through a
/// continuation, once; a child that never ends is cancelled and left behind (it holds no
/// lock of ours, and its connection is gone).
final class LeasedCall<T: Sendable>: Sendable {
    /// How long a closed connection may leave its call unanswered: postgres-nio's own error
    /// (which names what happened) usually comes at once; this is the backstop.
    static var closedGrace: Duration { .seconds(2) }

    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var connection: PostgresConnection?
        var work: Task<Void, Never>?
        /// The call's place in the shared watchdog (`LeasedCallWatchdog`).
        var watch: LeasedCallWatchdog.Ticket?
        var closedSince: ContinuousClock.Instant?
        var ended = false
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let leaseDeadline: Duration

    private init(leaseDeadline: Duration) { self.leaseDeadline = leaseDeadline }

    /// Runs `body` on a connection of `client`'s, answering as the type's comment says.
    static func run(
        on client: PostgresClient, leaseDeadline: Duration,
        _ body: @Sendable @escaping (PostgresConnection) async throws -> T
    ) async throws -> T {
        let call = LeasedCall<T>(leaseDeadline: leaseDeadline)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                call.state.withLock { $0.continuation = continuation }
                let work = Task {
                    do {
                        let value = try await client.withConnection { connection in
                            call.state.withLock { $0.connection = connection }
                            return try await body(connection)
                        }
                        call.end(.success(value))
                    } catch {
                        call.end(.failure(error))
                    }
                }
                let ticket = LeasedCallWatchdog.shared.add { now in call.check(now: now) }
                let ended = call.state.withLock { state in
                    state.work = work
                    state.watch = ticket
                    return state.ended
                }
                if ended { LeasedCallWatchdog.shared.remove(ticket) }
            }
        } onCancel: {
            call.end(.failure(CancellationError()))
        }
    }

    /// Answers the caller (the first answer wins), and leaves the watchdog and stops the work.
    private func end(_ result: Result<T, any Error>) {
        let (continuation, work, watch) = state.withLock { state in
            defer {
                state.continuation = nil
                state.ended = true
            }
            return (state.continuation, state.work, state.watch)
        }
        guard let continuation else { return }
        if let watch { LeasedCallWatchdog.shared.remove(watch) }
        if case .failure = result { work?.cancel() }
        continuation.resume(with: result)
    }

    /// The watchdog's check (four times a second) of whether the call is still owed an
    /// answer: no connection after `leaseDeadline` ends it with `PostgresDeadline.Expired`, a
    /// connection closed for `closedGrace` with `PostgresConnectionLost`.
    private func check(now: ContinuousClock.Instant) {
        let failure: (any Error)? = state.withLock { state in
            if state.ended { return nil }
            guard let connection = state.connection else {
                return now - started >= leaseDeadline ? PostgresDeadline.Expired() : nil
            }
            guard connection.isClosed else {
                state.closedSince = nil
                return nil
            }
            let since = state.closedSince ?? now
            state.closedSince = since
            return now - since >= Self.closedGrace ? PostgresConnectionLost() : nil
        }
        if let failure { end(.failure(failure)) }
    }
}

/// A call's connection closed and the driver never answered it.
struct PostgresConnectionLost: Error, CustomStringConvertible {
    var description: String { "the connection to the server closed during the call" }
}
