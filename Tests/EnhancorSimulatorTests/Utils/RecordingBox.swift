import Synchronization

/// The sink's shared record, reached from the route handler.
final class RecordingBox: Sendable {
    let deliveries = Mutex<[WebhookSink.Delivery]>([])
    private let failFirst: Int
    private let seen = Mutex(0)

    var attempts: Int { seen.withLock { $0 } }

    init(failFirst: Int) { self.failFirst = failFirst }

    /// Records a delivery; whether to answer it 2xx.
    func record(_ delivery: WebhookSink.Delivery) -> Bool {
        let count = seen.withLock { value -> Int in
            value += 1
            return value
        }
        guard count > failFirst else { return false }
        deliveries.withLock { $0.append(delivery) }
        return true
    }
}
