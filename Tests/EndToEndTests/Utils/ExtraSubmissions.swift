import Foundation

/// Why the API saw a job submitted more than once, from the runners' own `--verbose` logs
/// (issue 13's SIGSTOP test). Each submission after a job's first is traced to the one before
/// it and to what let the job be sent again:
/// - `pause`: the paused runner held it in doubt when it was stopped (the test's subject);
/// - `lostAnswer`: its sender logged that it got no readable answer (the API's doing);
/// - `lapse`: its sender's lease lapsed after it was sent (a loaded machine can starve any
///   runner past a short lease, and a lapsed runner's doubts are taken over by the doubt rule),
///   other than the pause under test.
/// Anything else is `unexplained`: a job sent twice that no rule allows.
struct ExtraSubmissions {
    var pause = 0
    var lostAnswer = 0
    var lapse = 0
    var unexplained: [Int64] = []

    /// `logs[i]` is runner i's stderr; `paused` the index of the paused runner, `resumedAt` when
    /// it was resumed, and `doubtsAtPause` the jobs it held in doubt then. `submissions` is how
    /// many submissions the API saw per job id.
    init(logs: [String], paused: Int, resumedAt: Date, doubtsAtPause: Set<Int64>, submissions: [Int64: Int]) {
        let starts = logs.enumerated().flatMap { runner, log in
            RequestStart.parse(log).filter { $0.call == "submit" }.map { (runner: runner, start: $0) }
        }
        let byJob = Dictionary(grouping: starts, by: \.start.jobID)
        let lapses = logs.enumerated().map { runner, log in
            Self.lapseEnds(log).filter { runner != paused || $0 < resumedAt.addingTimeInterval(-1) }
        }
        for (job, count) in submissions where count > 1 {
            let sends = (byJob[job] ?? []).sorted { $0.start.startedAt < $1.start.startedAt }
            guard sends.count >= count else {
                unexplained.append(job)
                continue
            }
            // A send the API did not count (refused before it ran, say) may leave a pair
            // unexplained: at most that many.
            var allowance = sends.count - count
            for (previous, _) in zip(sends, sends.dropFirst()) {
                let sender = previous.runner
                if sender == paused && doubtsAtPause.contains(job) {
                    pause += 1
                } else if logs[sender].contains("submission of job \(job) got no readable answer") {
                    lostAnswer += 1
                } else if lapses[sender].contains(where: { $0 >= previous.start.startedAt.addingTimeInterval(-1) }) {
                    lapse += 1
                } else if allowance > 0 {
                    allowance -= 1
                } else {
                    unexplained.append(job)
                }
            }
        }
    }

    /// When each lapse of the runner that wrote `log` ended (its "renewed after a lapse" lines;
    /// whole seconds, as the log prints them).
    static func lapseEnds(_ log: String) -> [Date] {
        let formatter = ISO8601DateFormatter()
        return log.split(separator: "\n").compactMap { line in
            guard line.contains("lease is renewed after a lapse"), let stamp = line.split(separator: " ").first else {
                return nil
            }
            return formatter.date(from: String(stamp)).map { $0.addingTimeInterval(1) }
        }
    }
}
