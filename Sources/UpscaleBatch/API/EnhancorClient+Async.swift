/// Async forms of the callback API, for tests and callers already in Swift concurrency.
///
/// They do not support task cancellation: a call ends when the client completes it
/// (use the client's `cancelAll()` to end waiting calls early).
extension EnhancorClient {
    /// POST /queue; returns the request id or throws an `EnhancorError`.
    public func submit(imageURL: String, webhookURL: String, mode: Mode) async throws(EnhancorError) -> String {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<String, EnhancorError>, Never>) in
            submit(imageURL: imageURL, webhookURL: webhookURL, mode: mode) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// POST /status; returns the answer or throws an `EnhancorError`.
    public func status(requestID: String) async throws(EnhancorError) -> StatusAnswer {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<StatusAnswer, EnhancorError>, Never>) in
            status(requestID: requestID) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }
}
