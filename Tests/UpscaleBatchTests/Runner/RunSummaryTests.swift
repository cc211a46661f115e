import TestSupport
import Testing

@testable import UpscaleBatch

/// The run summary says what a user must see: duplicate charges, jobs the API did not know,
/// and the webhooks its listener refused (a misconfiguration would otherwise hide behind polls).
@Suite(.bounded) struct RunSummaryTests {
    /// Names settings the way the executable does (by flag); the core itself names none.
    static func flags(_ setting: RunSetting) -> String? {
        switch setting {
        case .maxWait: "--max-wait"
        case .maxSpend: "--max-spend"
        case .webhookURL: "--webhook-url"
        case .concurrency: "--concurrency"
        case .rate: "--rate"
        default: nil
        }
    }

    func summary(
        refusals: WebhookRefusals?, statistics: RunStatistics = RunStatistics(),
        naming: (RunSetting) -> String? = Self.flags
    ) -> String {
        var status = StatusSnapshot(
            counts: [.completed: 2], inFlight: 0, unsubmitted: 0, possibleDuplicates: 1,
            costs: CostTotals(total: 720, completed: 480, failed: 0, duplicate: 240))
        status.counts[.pending] = 0
        var summary = RunSummary(
            outcome: .allCompleted, status: status, byMode: CostReport(grouping: .mode, groups: []),
            statistics: statistics, duration: 2)
        summary.webhookRefusals = refusals
        summary.webhooksAccepted = refusals == nil ? nil : 5
        return summary.render(naming: naming)
    }

    @Test func refusedWebhooksAreCountedByReason() {
        var refusals = WebhookRefusals()
        refusals.add(status: 401)
        refusals.add(status: 401)
        refusals.add(status: 409)
        let text = summary(refusals: refusals)
        #expect(
            text.contains(
                "webhooks: 5 accepted, 3 refused (2 wrong token, 0 bad request, 0 unknown job, 1 no submission out): "
                    + "check the webhook URL (--webhook-url) and the proxy in front of the receiver"),
            "\(text)")
        let unnamed = summary(refusals: refusals, naming: { _ in nil })
        #expect(unnamed.contains("check the webhook URL and the proxy"), "the core names no flag: \(unnamed)")
        #expect(summary(refusals: WebhookRefusals()).contains("webhooks: 5 accepted, 0 refused\n"))
        #expect(!summary(refusals: nil).contains("webhooks:"), "no listener, no line")
    }

    @Test func duplicateChargesAndUnknownRequestsAreShown() {
        var statistics = RunStatistics()
        statistics.duplicateAttemptPolls = 1
        statistics.duplicateAttemptCost = 240
        statistics.unknownRequests = 2
        let text = summary(refusals: nil, statistics: statistics)
        #expect(text.contains("240 on duplicate charges, 720 quoted in all"), "\(text)")
        #expect(text.contains("duplicate charges costed by this run: 1 request(s), 240 credits"), "\(text)")
        #expect(text.contains("unknown to the API: 2 job(s) FAILED"), "\(text)")
    }

    @Test func outcomesSayWhatHappenedAndTheCallerNamesTheSetting() {
        #expect(
            RunOutcome.maxWaitReached.explanation(naming: Self.flags)
                == "the maximum wait (--max-wait) was reached; run again to resume")
        #expect(RunOutcome.maxWaitReached.explanation() == "the maximum wait was reached; run again to resume")
        #expect(
            RunOutcome.maxSpendReached(cap: 1000).explanation(naming: Self.flags)
                == "the spending cap (--max-spend) of 1000 credits was reached; "
                + "the remaining jobs stay unsubmitted for the next run")
    }

    /// The core's words name no flag, command or variable; the caller adds them.
    @Test func withoutNamesTheOutcomesNameNothingOfTheCommandLine() {
        let outcomes: [RunOutcome] = [
            .allCompleted, .someFailed, .unauthorized, .interrupted, .maxWaitReached, .refusalStreak(message: "no credits"),
            .incomplete(unfinished: 2), .maxSpendReached(cap: 5), .configuration(message: "x"), .storeUnavailable(message: "y"),
        ]
        for outcome in outcomes {
            let words = outcome.explanation()
            #expect(!words.contains("--") && !words.contains("ENHANCOR_") && !words.contains("upscale-batch"), "\(words)")
        }
        #expect(
            RunOutcome.someFailed.explanation(naming: { $0 == .failedJobs ? "upscale-batch list --state FAILED" : nil })
                == "every job is final; some FAILED (see `upscale-batch list --state FAILED`)")
        #expect(
            RunOutcome.unauthorized.explanation(naming: { $0 == .apiKey ? "ENHANCOR_API_KEY" : nil })
                == "the API refused the key: nothing was marked FAILED; fix the key (ENHANCOR_API_KEY) and run again")
    }
}
