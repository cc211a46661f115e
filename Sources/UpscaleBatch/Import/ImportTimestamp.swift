import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An import's time as the store writes times (`StoreSQL.now`: ISO-8601 UTC with
/// milliseconds, `2026-11-25T03:00:00.123Z`) and its UTC day for the default batch name.
/// Computed once per import, so every job of one import carries the same `created_at`.
struct ImportTimestamp: Sendable, Equatable {
    let timestamp: String
    let day: String

    init(_ date: Date) {
        // Whole milliseconds first (rounded, as StoreClock does), so 0.678 never prints as .677.
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(total >= 0 ? total / 1000 : (total - 999) / 1000)
        let millis = Int(total - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        day = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
        timestamp = "\(day)T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
