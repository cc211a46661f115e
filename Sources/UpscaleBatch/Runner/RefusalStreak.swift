/// Tells one job's refusal from an account problem. The API's refusals are held back until the
/// streak is broken (by an accepted job or a different message), then fail their jobs; when the
/// same message comes for `limit` jobs in a row, the run stops submitting and the held jobs go
/// back to unsubmitted, so one expired card does not fail a whole night's work.
struct RefusalStreak: Sendable {
    let limit: Int
    private(set) var message: String?
    private(set) var held: [Int64] = []

    init(limit: Int) { self.limit = limit }

    /// What to do after a refusal or an acceptance.
    enum Decision: Equatable {
        /// Fail these jobs with this message (the streak they belonged to ended).
        case fail(jobs: [Int64], message: String)
        /// The streak reached the limit: stop submitting; these jobs stay unsubmitted.
        case stop(jobs: [Int64], message: String)
        case hold
    }

    /// A job was refused with `refusal`. Returns the decisions to carry out, in order.
    mutating func refused(job: Int64, message refusal: String) -> [Decision] {
        var decisions: [Decision] = []
        if let message, message != refusal, !held.isEmpty {
            decisions.append(.fail(jobs: held, message: message))
            held = []
        }
        message = refusal
        held.append(job)
        if held.count >= limit {
            decisions.append(.stop(jobs: held, message: refusal))
            held = []
        } else {
            decisions.append(.hold)
        }
        return decisions
    }

    /// A job was accepted: the held refusals were the jobs' own, so they fail now.
    mutating func accepted() -> Decision? { flush() }

    /// At the end of the run, held refusals fail.
    mutating func flush() -> Decision? {
        guard let message, !held.isEmpty else { return nil }
        defer { held = [] }
        return .fail(jobs: held, message: message)
    }
}
