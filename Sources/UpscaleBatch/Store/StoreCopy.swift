/// `copy-store`'s core: a whole store moved into an empty one of either engine, in flat memory.
///
/// The source's `exportStore` pushes pages into a bounded `ImportBatchChannel` (a few pages)
/// while the destination's `importStore` pulls them inside its one transaction: neither side
/// holds more than a few pages, so a million jobs copy in the memory of a thousand. When the
/// import fails, the channel is cancelled and the export stops; when the export fails, its
/// error reaches the import, whose transaction rolls back (the destination keeps nothing).
public enum StoreCopy {
    /// Records per page: large enough that a round trip per page costs little.
    public static let pageSize = 1000
    /// Pages that may wait between the two sides.
    static let pagesInFlight = 2

    /// Copies everything of `source` into `destination` (empty); returns what was written.
    public static func copy(
        from source: any JobStore, to destination: any JobStore, pageSize: Int = pageSize
    ) async throws -> StoreCopyCounts {
        let channel = ImportBatchChannel<Result<[StoreRecord], any Error>>(capacity: pagesInFlight)
        let pipe = ChannelRecordSource(channel: channel)
        return try await withThrowingTaskGroup(of: StoreCopyCounts?.self) { group in
            group.addTask {
                do {
                    try await source.exportStore(pageSize: pageSize) { page in try await pipe.send(page) }
                    channel.finish()
                } catch is ChannelRecordSource.Cancelled {
                    // The import gave up; its error is the one to report.
                } catch {
                    _ = channel.offer(.failure(error), isLast: true, resume: {})
                }
                return nil
            }
            group.addTask {
                do {
                    let counts = try await destination.importStore(pipe)
                    channel.cancel()
                    return counts
                } catch {
                    channel.cancel()
                    throw error
                }
            }
            var counts: StoreCopyCounts?
            while let next = try await group.next() {
                if let next { counts = next }
            }
            return counts ?? StoreCopyCounts()
        }
    }
}

/// Why a copy cannot be made, with what to do.
public enum StoreCopyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The destination already holds batches, jobs or attempts: a copy never merges.
    case destinationNotEmpty(store: String)
    /// A record arrived out of order or unknown to the destination engine (a bug, or a store
    /// changed by hand).
    case unexpectedRecord(store: String, detail: String)

    public var description: String {
        switch self {
        case .destinationNotEmpty(let store):
            "\(TextEscaping.visible(store)) already holds jobs: copy-store writes only into an empty store"
        case .unexpectedRecord(let store, let detail):
            "cannot copy into \(TextEscaping.visible(store)): \(detail)"
        }
    }
}

/// The import's side of the channel: pages as the export sent them, its error re-thrown.
private struct ChannelRecordSource: StoreRecordSource {
    /// The import gave up: the export stops sending.
    struct Cancelled: Error {}

    let channel: ImportBatchChannel<Result<[StoreRecord], any Error>>

    func next() async throws -> [StoreRecord]? {
        guard let item = await channel.next() else { return nil }
        return try item.get()
    }

    /// Hands `page` over, suspending (no thread held) while the channel is full.
    func send(_ page: [StoreRecord]) async throws {
        let accepted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let channel = channel
            switch channel.offer(.success(page), resume: { continuation.resume(returning: !channel.isCancelled) }) {
            case .room: continuation.resume(returning: true)
            case .full: break  // resumed once the import took a page, or cancelled
            case .cancelled: continuation.resume(returning: false)
            }
        }
        if !accepted { throw Cancelled() }
    }
}
