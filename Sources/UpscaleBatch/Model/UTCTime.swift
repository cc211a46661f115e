import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one UTC ISO-8601 formatter of the tool: the store's timestamps (which SQL writes in the
/// same form with `StoreSQL.now`), run ids, the default batch name's day, log lines and the
/// report page. Written with `gmtime_r` rather than a Foundation formatter so milliseconds are
/// rounded as `StoreClock` rounds them (0.678 never prints as .677) and nothing is shared
/// between threads.
public enum UTCTime {
    /// `2026-11-25T03:00:00.123Z`: the store's form, to the millisecond (rounded).
    public static func milliseconds(_ date: Date) -> String {
        let (seconds, millis) = split(date)
        let parts = fields(seconds)
        return "\(day(parts))T\(time(parts)).\(pad(Int32(millis), 3))Z"
    }

    /// `2026-11-25T03:00:00Z`: to the second (truncated), for log lines and the report page.
    public static func seconds(_ date: Date) -> String {
        let parts = fields(time_t(date.timeIntervalSince1970.rounded(.down)))
        return "\(day(parts))T\(time(parts))Z"
    }

    /// `2026-11-25`: the UTC day of `milliseconds(date)`, so the two never disagree at midnight.
    public static func day(_ date: Date) -> String {
        day(fields(split(date).seconds))
    }

    /// A store timestamp (`milliseconds`' form) read back; nil when `text` is not one.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Whole milliseconds first (rounded), then seconds and the milliseconds left over.
    private static func split(_ date: Date) -> (seconds: time_t, millis: Int) {
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = time_t(total >= 0 ? total / 1000 : (total - 999) / 1000)
        return (seconds, Int(total - Int64(seconds) * 1000))
    }

    private static func fields(_ seconds: time_t) -> tm {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func day(_ parts: tm) -> String {
        "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
    }

    private static func time(_ parts: tm) -> String {
        "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
    }

    private static func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
