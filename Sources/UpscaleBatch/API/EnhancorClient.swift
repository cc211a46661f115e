/// The seam between the runner and the Enhancor API.
///
/// Callback-based on purpose: the runner drives it from a Dispatch feeder (`semaphore.wait()`,
/// then a call whose completion signals the semaphore), so no call may block a thread.
/// Completions run exactly once, on a thread of the client's choosing (an event loop unless the
/// implementation says otherwise): do not block inside them.
/// Async wrappers for tests and simple callers live in `EnhancorClient+Async.swift`.
public protocol EnhancorClient: Sendable {
    /// POST /queue. Completes with the request id, or a typed error.
    func submit(
        imageURL: String, webhookURL: String, mode: Mode,
        completion: @escaping @Sendable (Result<String, EnhancorError>) -> Void)

    /// POST /status. Completes with the answer (tolerant reader), or a typed error.
    func status(
        requestID: String,
        completion: @escaping @Sendable (Result<StatusAnswer, EnhancorError>) -> Void)

    /// Completes every call still waiting to be sent (paused by a 429 or an outage) with
    /// `.cancelled`, and refuses new ones; calls already sent finish normally. The runner calls
    /// it when a stop is asked for, so nothing unsent is left looking like a lost answer.
    func cancelAll()
}

extension EnhancorClient {
    /// Clients that never hold calls back have nothing to cancel.
    public func cancelAll() {}
}
