/// Which jobs `list` shows.
public struct JobFilter: Sendable, Equatable {
    public var state: JobState?
    public var batch: String?
    public var limit: Int?

    public init(state: JobState? = nil, batch: String? = nil, limit: Int? = nil) {
        self.state = state
        self.batch = batch
        self.limit = limit
    }
}
