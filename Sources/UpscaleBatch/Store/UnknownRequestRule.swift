/// Three 404s over at least `afterMillis`: a job in flight ends FAILED, a final job stops
/// waiting for its cost. `mayFail` is the runner's judgement that the API is answering other
/// polls (or that too few request ids are unknown to suspect a wrong base URL).
public struct UnknownRequestRule: Sendable, Equatable {
    public static let polls = 3
    public var afterMillis: Int64
    public var mayFail: Bool

    public init(afterMillis: Int64, mayFail: Bool) {
        self.afterMillis = afterMillis
        self.mayFail = mayFail
    }
}
