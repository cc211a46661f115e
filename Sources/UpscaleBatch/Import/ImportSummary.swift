/// What an import did, as counts; its description is the line `import` prints.
public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    /// Jobs added to the store.
    public var imported = 0
    /// Rows whose URL and mode were already in the store or earlier in the file.
    public var duplicates = 0
    /// Rows reported as rejected.
    public var rejected = 0

    public init(imported: Int = 0, duplicates: Int = 0, rejected: Int = 0) {
        self.imported = imported
        self.duplicates = duplicates
        self.rejected = rejected
    }

    /// `imported N, skipped M duplicates, rejected K` (the summary line scripts and users read).
    public var description: String {
        "imported \(imported), skipped \(duplicates) duplicates, rejected \(rejected)"
    }
}
