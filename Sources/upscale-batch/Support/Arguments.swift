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

/// A UTC day as `YYYY-MM-DD`, checked at parse time so a typo is a usage error (exit 64):
/// a real calendar day (`2026-02-31` is refused, `2028-02-29` accepted). Used through
/// `@Option(transform: Day.parse)`, so the error says what is wrong with the value.
struct Day: Sendable {
    let text: String

    static func parse(_ argument: String) throws -> Day {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { throw ValidationError("expected a UTC day as YYYY-MM-DD, e.g. 2026-11-25") }
        guard year >= 1970 else { throw ValidationError("days before 1970 are not in any store") }
        guard (1...12).contains(month) else { throw ValidationError("there is no month \(month)") }
        let days = Self.days(inMonth: month, of: year)
        guard (1...days).contains(day) else {
            throw ValidationError("\(parts[0])-\(parts[1]) has \(days) days, so there is no day \(day)")
        }
        return Day(text: argument)
    }

    static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// `--batch NAME`, checked against the store so a misspelt name is an error, not an empty result.
func checkBatch(_ name: String?, in store: SQLiteJobStore) throws {
    guard let name else { return }
    let exists = try CommandFailure.wrap { () throws(StoreError) in try store.batchExists(name) }
    if !exists {
        throw CommandFailure.exit(
            ExitCodes.configuration,
            "no batch named \"\(TextEscaping.visible(name))\" in \(TextEscaping.visible(store.path))")
    }
}

/// `checkBatch` through the store contract, for any engine (`run` and `download` use it; the
/// other commands move to it as they speak the contract).
func requireBatch(_ name: String?, in store: any JobStore) async throws {
    guard let name else { return }
    let exists: Bool
    do throws(StoreError) { exists = try await store.batchExists(name) } catch { throw CommandFailure.exit(for: error) }
    if !exists {
        throw CommandFailure.exit(
            ExitCodes.configuration,
            "no batch named \"\(TextEscaping.visible(name))\" in \(TextEscaping.visible(store.displayName))")
    }
}
