import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A tiny webhook receiver on a loopback port chosen by the OS, recording every POST.
///
/// It answers `failFirst` requests with 500 and the rest with 200, to exercise retries.
final class WebhookSink: Sendable {
    /// One received POST: its path with the query string, and its body.
    struct Delivery: Sendable {
        let uri: String
        let body: String

        var object: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    let port: Int
    private let box: RecordingBox
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var origin: String { "http://127.0.0.1:\(port)" }

    var deliveries: [Delivery] { box.deliveries.withLock { $0 } }

    /// Every POST that reached the sink, answered 500 or not.
    var attempts: Int { box.attempts }

    private init(port: Int, box: RecordingBox, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.box = box
        self.group = group
        self.task = task
    }

    static func start(failFirst: Int = 0) async throws -> WebhookSink {
        let box = RecordingBox(failFirst: failFirst)
        let router = Router()
        router.post("**") { request, _ -> Response in
            var buffer = try await request.body.collect(upTo: 1 << 16)
            let body = buffer.readString(length: buffer.readableBytes) ?? ""
            let ok = box.record(Delivery(uri: request.uri.description, body: body))
            return Response(status: ok ? .ok : .internalServerError)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "webhook-sink") { _ in SwiftLogNoOpLogHandler() })
        let group = ServiceGroup(services: [app], logger: Logger(label: "webhook-sink") { _ in SwiftLogNoOpLogHandler() })
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw CancellationError()
        }
        return WebhookSink(port: port, box: box, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
