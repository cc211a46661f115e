/// A plain text table for terminals: a header, aligned columns, numbers right-aligned.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []
    /// Columns whose values are numbers, right-aligned.
    public var numericColumns: Set<Int>

    public init(header: [String], numericColumns: Set<Int> = []) {
        self.header = header
        self.numericColumns = numericColumns
    }

    /// Adds a row. Cells are shown with invisible characters escaped (a batch name from an older
    /// store may hold a line break), so every row stays on its line.
    public mutating func append(_ row: [String]) { rows.append(row.map(TextEscaping.visible)) }

    /// The table as lines, each ending in a newline.
    public func render() -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in all {
            var cells: [String] = []
            for (index, cell) in row.enumerated() where index < widths.count {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let isLast = index == widths.count - 1
                if numericColumns.contains(index) {
                    cells.append(padding + cell)
                } else {
                    cells.append(isLast ? cell : cell + padding)
                }
            }
            out += cells.joined(separator: "  ") + "\n"
        }
        return out
    }
}
