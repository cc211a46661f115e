import Foundation

/// Reads a 429's `Retry-After` header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.
///
/// Servers send garbage too, so parsing never fails: `pause(...)` falls back to the policy's
/// default and caps the result, because a header must not stall a nightly run for hours.
public enum RetryAfter {
    /// Seconds to wait as the header says, or nil when it is missing or unreadable.
    /// An HTTP-date in the past gives 0.
    public static func seconds(from header: String?, now: Date = Date()) -> Double? {
        guard let raw = header?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if raw.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            // delta-seconds is 1*DIGIT; a decimal value is accepted leniently.
            guard let value = Double(raw), value.isFinite, value >= 0 else { return nil }
            return value
        }
        guard let date = httpDate(raw) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// The pause to apply: the header's value, else `policy.defaultRetryAfter`, capped at
    /// `policy.maxRetryAfter`.
    public static func pause(from header: String?, policy: RetryPolicy, now: Date = Date()) -> Double {
        let value = seconds(from: header, now: now) ?? policy.defaultRetryAfter
        return min(max(0, value), policy.maxRetryAfter)
    }

    /// The three date forms RFC 9110 requires a recipient to accept: IMF-fixdate, RFC 850 and
    /// asctime. Formatters are made per call: a 429 is rare enough, and DateFormatter is not
    /// safe to share between threads.
    static func httpDate(_ text: String) -> Date? {
        let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
        let collapsed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: collapsed) { return date }
        }
        return nil
    }
}
