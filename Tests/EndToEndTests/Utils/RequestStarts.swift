import Foundation

/// The requests a run started, read from its `--verbose` log ("request started" lines): what
/// each was for and when the feeder let it go (the pacer's slot under `--rate`). The runner's
/// own account of its starts, for the orderings the several-runner tests check.
struct RequestStart {
    /// `submit`, `poll` or `poll-duplicate` (the cost poll of an extra attempt).
    var call: String
    var jobID: Int64
    var requestID: String?
    var startedAt: Date

    /// Every "request started" line of `log`, in order.
    static func parse(_ log: String) -> [RequestStart] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return log.split(separator: "\n").compactMap { line in
            guard line.contains(" debug: request started ") else { return nil }
            var fields: [Substring: Substring] = [:]
            for word in line.split(separator: " ") {
                guard let equals = word.firstIndex(of: "=") else { continue }
                fields[word[..<equals]] = word[word.index(after: equals)...]
            }
            guard let call = fields["api.call"], let job = fields["job.id"].flatMap({ Int64($0) }),
                let at = fields["request.started_at"].flatMap({ formatter.date(from: String($0)) })
            else { return nil }
            return RequestStart(
                call: String(call), jobID: job, requestID: fields["job.request_id"].map(String.init), startedAt: at)
        }
    }

    /// The most starts in any one-second window (a window opens at each start).
    static func busiestSecond(_ starts: [Date]) -> Int {
        let sorted = starts.sorted()
        var busiest = 0
        var first = 0
        for (index, time) in sorted.enumerated() {
            while time.timeIntervalSince(sorted[first]) >= 1 { first += 1 }
            busiest = max(busiest, index - first + 1)
        }
        return busiest
    }
}
