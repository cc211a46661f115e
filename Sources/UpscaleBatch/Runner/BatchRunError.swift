/// Why a run could not begin.
public enum BatchRunError: Error, Sendable, CustomStringConvertible {
    /// Jobs in flight in this store were submitted under another API key or base URL: they are
    /// not this account's to poll.
    case anotherAccount(jobsInFlight: Int)
    /// The store failed before the run began.
    case store(StoreError)

    /// What happened, in the core's words (the executable adds how the key and URL are given).
    public var description: String {
        switch self {
        case .anotherAccount(let jobs):
            "the jobs in flight in this store were submitted with another API key or base URL (\(jobs) job(s)); "
                + "run with the key and base URL they were sent with, or use another store for this account"
        case .store(let error): error.description
        }
    }
}
