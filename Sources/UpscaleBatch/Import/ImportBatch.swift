/// A stretch of the CSV, read and validated, on its way from the reader (on its Dispatch queue)
/// to the store: the URLs' bytes back to back, each row's end offset and mode, and the rows
/// rejected in that stretch (in file order).
public struct ImportBatch: Sendable {
    public var urlBytes: [UInt8] = []
    public var rows: [(end: Int, mode: Mode)] = []
    public var rejections: [RejectedRow] = []

    public init() {}

    static let rowLimit = 2_000

    public var isFull: Bool { rows.count >= Self.rowLimit || rejections.count >= Self.rowLimit }
    public var isEmpty: Bool { rows.isEmpty && rejections.isEmpty }
}
