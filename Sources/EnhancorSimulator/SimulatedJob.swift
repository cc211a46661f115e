/// One accepted `/queue` request and everything decided about it at submission.
///
/// Its status is computed lazily from the elapsed time, so no timer runs per job for
/// polling; only the webhook (if any) is scheduled.
struct SimulatedJob: Sendable {
    /// How a job ends, decided at submission so a poll and a webhook always agree.
    enum Outcome: Sendable, Equatable {
        case completed
        case failed(String)
    }

    let requestID: String
    let imageURL: String
    let webhookURL: String
    let mode: String
    let cost: Int
    let submittedAt: ContinuousClock.Instant
    /// Seconds from submission to the final state (jitter applied).
    let duration: Double
    let outcome: Outcome

    /// The documented status at `now`: PENDING for the first 10% of the duration, IN_QUEUE
    /// until 35%, IN_PROGRESS until 100%, then COMPLETED or FAILED.
    func status(at now: ContinuousClock.Instant) -> String {
        let elapsed = now - submittedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let fraction = duration > 0 ? seconds / duration : 1
        switch fraction {
        case ..<0.10: return "PENDING"
        case ..<0.35: return "IN_QUEUE"
        case ..<1.0: return "IN_PROGRESS"
        default: return isFinalSuccess ? "COMPLETED" : "FAILED"
        }
    }

    /// When the job reaches its final state.
    var finishesAt: ContinuousClock.Instant {
        submittedAt + .seconds(duration)
    }

    var isFinalSuccess: Bool {
        outcome == .completed
    }

    var errorText: String? {
        if case .failed(let text) = outcome { return text }
        return nil
    }
}
