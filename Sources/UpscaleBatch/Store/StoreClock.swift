import Foundation

/// The clock behind `next_poll_at`: Unix milliseconds, so schedules survive restarts.
public enum StoreClock {
    public static func millis(_ date: Date = Date()) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
