import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// AsyncHTTPClient delegate that collects an answer (body capped at `bodyLimit`) and records
/// whether the request head was written to the socket.
///
/// "Was it sent?" is how a failed `/queue` call is judged: before the head was written, the
/// server cannot have created anything and a retry is safe; after, the answer is ambiguous.
final class ResponseCollector: HTTPClientResponseDelegate {
    typealias Response = CollectedResponse

    static let bodyLimit = 256 * 1024

    private struct State {
        var headSent = false
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var truncated = false
    }

    private let state = Mutex(State())

    /// Whether the request head was written to the connection.
    var headSent: Bool { state.withLock { $0.headSent } }

    func didSendRequestHead(task: HTTPClient.Task<CollectedResponse>, _ head: HTTPRequestHead) {
        state.withLock { $0.headSent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<CollectedResponse>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock {
            // A response head also proves the request went out.
            $0.headSent = true
            $0.head = head
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<CollectedResponse>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        state.withLock { state in
            let room = Self.bodyLimit - state.body.count
            if buffer.readableBytes > room {
                state.truncated = true
                state.body.append(contentsOf: buffer.readableBytesView.prefix(max(0, room)))
            } else {
                state.body.append(contentsOf: buffer.readableBytesView)
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<CollectedResponse>) throws -> CollectedResponse {
        state.withLock { state in
            CollectedResponse(
                status: Int(state.head?.status.code ?? 0),
                retryAfter: state.head?.headers.first(name: "retry-after"),
                body: state.body, truncated: state.truncated)
        }
    }
}
