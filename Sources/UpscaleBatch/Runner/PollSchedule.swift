/// When to poll a job next: soon after submission, then backing off toward the poll interval;
/// a slow fallback once webhooks are seen finishing jobs and the job's cost is known (the cost
/// comes only from a status answer, so every job is polled at least once).
/// Jitter of ±10% staggers polls so they do not arrive at the API in waves.
struct PollSchedule: Sendable {
    var pollInterval: Double
    var fallbackPollInterval: Double

    /// Seconds from submission to the first poll.
    var firstDelay: Double { jittered(min(1.0, pollInterval)) }

    /// Seconds until the next poll after `pollCount` answers.
    func delay(afterPolls pollCount: Int, costKnown: Bool, webhooksActive: Bool) -> Double {
        if costKnown && webhooksActive { return jittered(fallbackPollInterval) }
        let backoff = min(pollInterval, 1.0 * Double(1 << min(pollCount, 10)))
        return jittered(backoff)
    }

    private func jittered(_ seconds: Double) -> Double {
        seconds * Double.random(in: 0.9...1.1)
    }
}
