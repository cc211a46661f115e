/// What one status answer (or webhook) says about a request, reduced to what the store keeps.
///
/// `state` is nil for a status value the API documents nowhere: the job is then treated as
/// still in flight, and the raw value is kept in `rawStatus` for the log.
public struct StatusAnswer: Sendable, Equatable {
    public var state: JobState?
    public var rawStatus: String
    public var cost: Int64?
    public var resultURL: String?
    public var error: String?

    public init(state: JobState?, rawStatus: String, cost: Int64? = nil, resultURL: String? = nil, error: String? = nil) {
        self.state = state
        self.rawStatus = rawStatus
        self.cost = cost
        self.resultURL = resultURL
        self.error = error
    }
}
