import Synchronization

/// A bounded channel from one producer that must not block a thread of the cooperative pool
/// (the import's reader, on a Dispatch queue) to one async consumer (the store's import).
///
/// Why not a thread that waits for room: the producer is never parked on a thread at all.
/// `offer` says whether there is room for another item; when there is not, it keeps the
/// producer's `resume` and calls it once the consumer has taken an item, so a reader that is
/// ahead simply stops being scheduled (backpressure) and costs no thread while it waits.
/// Items come out in the order they went in.
final class ImportBatchChannel<Item: Sendable>: Sendable {
    /// What `offer` tells the producer.
    enum OfferResult: Equatable {
        /// Room for another item: go on producing.
        case room
        /// The channel is full: stop; `resume` runs when there is room again (or on `cancel`).
        case full
        /// The consumer has gone: stop and let go of the input.
        case cancelled
    }

    private struct State {
        var buffer: [Item] = []
        var ended = false
        var cancelled = false
        var consumer: CheckedContinuation<Item?, Never>?
        var parkedProducer: (@Sendable () -> Void)?
    }

    /// How many items may wait for the consumer.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity >= 1, "a channel holds at least one item")
        self.capacity = capacity
    }

    /// Hands `item` over (`isLast`: nothing follows it). When the result is `.full`, `resume`
    /// is called once the consumer has made room, or the channel was cancelled.
    func offer(_ item: Item, isLast: Bool = false, resume: @escaping @Sendable () -> Void) -> OfferResult {
        let (waiting, result) = state.withLock { state -> (CheckedContinuation<Item?, Never>?, OfferResult) in
            if state.cancelled || state.ended { return (nil, .cancelled) }
            state.ended = isLast
            if let consumer = state.consumer {
                state.consumer = nil
                return (consumer, .room)
            }
            state.buffer.append(item)
            if state.buffer.count < capacity || isLast { return (nil, .room) }
            state.parkedProducer = resume
            return (nil, .full)
        }
        waiting?.resume(returning: item)
        return result
    }

    /// Ends the channel with no further item: the consumer's `next()` returns nil once the
    /// items already in are taken.
    func finish() {
        let waiting = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            state.ended = true
            defer { state.consumer = nil }
            return state.buffer.isEmpty ? state.consumer : nil
        }
        waiting?.resume(returning: nil)
    }

    /// The next item in order, nil once the producer has finished and every item was taken.
    /// Waits (suspending, never blocking a thread) while the producer is behind.
    func next() async -> Item? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
            let (answer, resume) = state.withLock { state -> (Item??, (@Sendable () -> Void)?) in
                if !state.buffer.isEmpty {
                    let item = state.buffer.removeFirst()
                    let resume = state.parkedProducer
                    state.parkedProducer = nil
                    return (.some(item), resume)
                }
                if state.ended || state.cancelled { return (.some(nil), nil) }
                precondition(state.consumer == nil, "one consumer at a time")
                state.consumer = continuation
                return (nil, nil)
            }
            resume?()
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// The consumer gives up: items waiting are dropped, a parked producer is resumed so that
    /// it sees `.cancelled` and lets go of its input, and later offers are refused. A consumer
    /// waiting in `next()` gets nil. Safe to call more than once, and after the end.
    func cancel() {
        let (waiting, resume) = state.withLock { state in
            state.cancelled = true
            state.buffer.removeAll()
            defer {
                state.consumer = nil
                state.parkedProducer = nil
            }
            return (state.consumer, state.parkedProducer)
        }
        waiting?.resume(returning: nil)
        resume?()
    }

    /// Whether the producer is stopped for want of room (for tests of the backpressure).
    var producerIsParked: Bool { state.withLock { $0.parkedProducer != nil } }

    /// Whether `cancel()` was called.
    var isCancelled: Bool { state.withLock { $0.cancelled } }
}
