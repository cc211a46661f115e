/// A stretch of the CSV, read and validated, on its way from the reading thread to the
/// inserting one: the URLs' bytes back to back, each row's end offset and mode, and the rows
/// rejected in that stretch (in file order).
struct ImportBatch: Sendable {
    var urlBytes: [UInt8] = []
    var rows: [(end: Int, mode: Mode)] = []
    var rejections: [RejectedRow] = []

    static let rowLimit = 2_000

    var isFull: Bool { rows.count >= Self.rowLimit || rejections.count >= Self.rowLimit }
    var isEmpty: Bool { rows.isEmpty && rejections.isEmpty }
}
