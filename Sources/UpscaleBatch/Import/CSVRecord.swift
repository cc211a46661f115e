/// One CSV record: its fields as UTF-8 bytes, and the line where it starts.
///
/// Fields are kept as bytes in one buffer (the reader's, reused from record to record when
/// the caller lets go of it) so a million-row import allocates almost nothing per row; the
/// reader has already checked that every field is valid UTF-8.
public struct CSVRecord: Sendable, Equatable {
    /// The 1-based line of the input where the record starts (records may span lines).
    public let line: Int
    private let bytes: [UInt8]
    private let fieldEnds: [Int]

    init(line: Int, bytes: [UInt8], fieldEnds: [Int]) {
        self.line = line
        self.bytes = bytes
        self.fieldEnds = fieldEnds
    }

    /// How many fields the record has (an empty line is not a record; `,` has two fields).
    public var count: Int { fieldEnds.count }

    /// The bytes of field `index`; empty when the record is shorter than that: missing
    /// trailing fields count as blank.
    public func field(_ index: Int) -> ArraySlice<UInt8> {
        guard index >= 0, index < fieldEnds.count else { return [] }
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return bytes[start..<fieldEnds[index]]
    }

    /// Field `index` as text (empty when missing).
    public func string(_ index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    /// Every field as text.
    public var strings: [String] {
        (0..<count).map(string)
    }
}
