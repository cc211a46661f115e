/// Why the webhook receiver could not start.
public enum WebhookServerError: Error, Sendable, CustomStringConvertible {
    /// The server ended before it was listening, without saying why.
    case stoppedBeforeListening(host: String, port: Int)

    public var description: String {
        switch self {
        case .stoppedBeforeListening(let host, let port):
            "the webhook receiver could not listen on \(host):\(port)"
        }
    }
}
