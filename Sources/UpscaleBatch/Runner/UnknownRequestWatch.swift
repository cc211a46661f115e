/// The unknown-request rule's view of this run: whether the API answered any status poll (or
/// accepted a submission), the 404s in a row, and the request ids they named. Changed by the
/// answers only.
///
/// When every poll of the run is answered 404 (at least `streakLimit` in a row, for at least
/// `distinctLimit` request ids, none answered otherwise) the base URL is wrong: the run stops
/// with nothing failed, rather than failing every job as unknown.
///
/// Whether a job may fail must not depend on the order in which polls come back: a run whose
/// scope holds `distinctLimit` or more jobs in flight can reach the "wrong base URL" verdict,
/// so none of its jobs fails by the rule until the API has answered something (on a busy
/// machine the first jobs' 404s could otherwise span the wait before the fifth id was polled).
/// A smaller scope can never reach that verdict: its jobs fail by the rule alone.
struct UnknownRequestWatch: Sendable {
    static let streakLimit = 20
    static let distinctLimit = 5

    private(set) var apiAnswered = false
    private var streak = 0
    private var requestIDs: Set<String> = []
    /// The scope is too small for the "wrong base URL" verdict (see the type comment).
    private let scopeTooSmallToJudge: Bool

    /// - Parameter inFlightAtStart: jobs of the run's scope in flight when it began.
    init(inFlightAtStart: Int) {
        scopeTooSmallToJudge = inFlightAtStart < Self.distinctLimit
    }

    /// The API accepted a submission: it knows us, whatever it says of old request ids.
    mutating func submissionAccepted() { apiAnswered = true }

    /// A status poll was answered: the streak of 404s is over.
    mutating func pollAnswered() {
        apiAnswered = true
        streak = 0
    }

    /// What one 404 to a job's poll means.
    struct Verdict: Equatable {
        /// Every poll so far was a 404: the base URL is wrong; stop.
        var everyPollUnknown: Bool
        /// The store may fail the job by the unknown-request rule.
        var mayFail: Bool
    }

    /// A poll of `requestID` was answered 404.
    mutating func notFound(_ requestID: String) -> Verdict {
        streak += 1
        requestIDs.insert(requestID)
        return Verdict(
            everyPollUnknown: !apiAnswered && streak >= Self.streakLimit && requestIDs.count >= Self.distinctLimit,
            mayFail: apiAnswered || scopeTooSmallToJudge)
    }
}
