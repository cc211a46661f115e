/// Why the job store could not be opened or written, with what the user should do next.
///
/// Every case maps to exit code 2 at the command line except `busy`, which means another
/// process holds the store longer than the busy timeout allows (exit 75: try again later).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Only `import` creates a store; every other command refuses to work on an empty one.
    case noStore(path: String)
    /// The directory meant to hold a new store does not exist.
    case directoryMissing(path: String)
    /// The file exists but is not SQLite, or is SQLite without our tables.
    case notAJobStore(path: String, detail: String)
    /// The store was migrated by a newer upscale-batch; an older one must not touch it.
    case newerSchema(path: String, unknownMigrations: [String])
    /// Another process kept the store locked longer than the busy timeout.
    case busy(path: String)
    /// Any other SQLite failure, with SQLite's own words.
    case sqlite(path: String, detail: String)
    /// A state change the state machine forbids (a bug in the caller, never user input).
    case illegalTransition(jobID: Int64, from: JobState, to: JobState)
    /// A job id that the store does not hold.
    case unknownJob(jobID: Int64)

    public var description: String {
        switch self {
        case .noStore(let path):
            "no job store at \(path): run `upscale-batch import FILE` first, or point --db / UPSCALE_DB at an existing store"
        case .directoryMissing(let path):
            "cannot create a job store at \(path): its directory does not exist"
        case .notAJobStore(let path, let detail):
            "\(path) is not an upscale-batch job store (\(detail))"
        case .newerSchema(let path, let unknown):
            "\(path) was written by a newer upscale-batch (schema \(unknown.joined(separator: ", "))): upgrade upscale-batch to use it"
        case .busy(let path):
            "\(path) is locked by another process for longer than the busy timeout; try again later"
        case .sqlite(let path, let detail):
            "job store \(path): \(detail)"
        case .illegalTransition(let id, let from, let to):
            "job \(id): refusing to move from \(from.rawValue) to \(to.rawValue)"
        case .unknownJob(let id):
            "no job with id \(id)"
        }
    }
}
