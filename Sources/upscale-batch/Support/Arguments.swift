import ArgumentParser
import Foundation
import UpscaleBatch

extension OutputFormat: ExpressibleByArgument {}
extension ReportGrouping: ExpressibleByArgument {}

extension JobState: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }
}

/// A UTC day as `YYYY-MM-DD`, checked at parse time so a typo is a usage error (exit 64).
struct Day: ExpressibleByArgument, Sendable {
    let text: String

    init?(argument: String) {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            year >= 1970, (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        text = argument
    }
}

/// `--batch NAME`, checked against the store so a misspelt name is an error, not an empty result.
func checkBatch(_ name: String?, in store: JobStore) throws {
    guard let name else { return }
    let exists = try CommandFailure.wrap { () throws(StoreError) in try store.batchExists(name) }
    if !exists { throw CommandFailure.exit(ExitCodes.configuration, "no batch named \"\(name)\" in \(store.path)") }
}
