import Foundation

/// The end of every run: jobs per state, what was spent and quoted by mode, possible duplicate
/// charges, and the pace. Built from the store (the run's scope), so it is exact.
public struct RunSummary: Sendable {
    public var outcome: RunOutcome
    public var status: StatusSnapshot
    public var byMode: CostReport
    public var statistics: RunStatistics
    public var duration: Double
    /// Webhooks this run's own listener refused (nil when the run has no listener): a non-zero count
    /// means results are coming by polling alone, and why.
    public var webhookRefusals: WebhookRefusals?
    /// Webhooks this run's own listener answered 200 (nil when the run has no listener).
    public var webhooksAccepted: Int?

    public init(outcome: RunOutcome, status: StatusSnapshot, byMode: CostReport, statistics: RunStatistics, duration: Double) {
        self.outcome = outcome
        self.status = status
        self.byMode = byMode
        self.statistics = statistics
        self.duration = duration
    }

    /// Reads the run's scope from the store.
    public static func load(
        store: any JobStore, runID: String, outcome: RunOutcome, statistics: RunStatistics, duration: Double
    ) async throws(StoreError) -> RunSummary {
        RunSummary(
            outcome: outcome, status: try await store.statusSnapshot(batch: nil, runID: runID),
            byMode: try await store.costReport(by: .mode, filter: ReportFilter(runID: runID)),
            statistics: statistics, duration: duration)
    }

    /// Jobs of the scope that reached a final state per second of the run.
    public var jobsPerSecond: Double { duration > 0 ? Double(status.final) / duration : 0 }

    /// The summary as plain lines, for a terminal or a cron mail. `naming` gives how a setting
    /// the user may change is set (the executable passes its flags); nil leaves it unnamed.
    public func render(naming: (RunSetting) -> String? = { _ in nil }) -> String {
        let states = JobState.allCases.map { "\($0.rawValue) \(status.counts[$0] ?? 0)" }.joined(separator: ", ")
        var lines = [
            "run finished: \(outcome.explanation(naming: naming))",
            "jobs in scope: \(status.total) (\(states))",
        ]
        for group in byMode.groups {
            lines.append(
                "  \(group.key): spent \(group.costs.completed) credits on \(group.completed) completed; "
                    + "\(group.costs.failed) quoted on \(group.failed) failed")
        }
        let costs = status.costs
        lines.append(
            "cost: spent \(costs.completed) credits (completed), \(costs.failed) quoted on failed jobs (reported as refunded), "
                + "\(costs.duplicate) on duplicate charges, \(costs.total) quoted in all"
        )
        lines.append(
            "possible duplicate charges: \(status.possibleDuplicates) (submissions resent after an answer was lost)")
        if statistics.duplicateAttemptPolls > 0 {
            lines.append(
                "duplicate charges costed by this run: \(statistics.duplicateAttemptPolls) request(s), "
                    + "\(statistics.duplicateAttemptCost) credits (requests the API ran beside a job's own, named by webhooks)")
        }
        if statistics.unknownRequests > 0 {
            lines.append("unknown to the API: \(statistics.unknownRequests) job(s) FAILED (their request id answered 404)")
        }
        if let refusals = webhookRefusals {
            var line = "webhooks: \(webhooksAccepted ?? 0) accepted, \(refusals.total) refused"
            if refusals.total > 0 {
                line +=
                    " (\(refusals.wrongToken) wrong token, \(refusals.badRequest) bad request, "
                    + "\(refusals.unknownJob) unknown job, \(refusals.noSubmission) no submission out): "
                    + "check the webhook URL\(naming(.webhookURL).map { " (\($0))" } ?? "") "
                    + "and the proxy in front of the receiver"
            }
            lines.append(line)
        }
        lines.append(
            String(
                format: "took %.1f s, %.1f jobs/s; %d submissions, %d status calls, at most %d in flight",
                duration, jobsPerSecond, statistics.submissions, statistics.polls, statistics.maxInFlight))
        if let busiest = statistics.busiestSecondOfStarts {
            lines.append("pace: at most \(busiest) request(s) started in any one second")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
