/// Why the job store could not be opened or written, with what the user should do next.
///
/// Every case maps to exit code 2 at the command line except `busy`, which means another
/// process holds the store longer than the busy timeout allows, `changedWhileReading`,
/// `unreachable` and `unavailable` (all exit 75: try again later).
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
    /// The path names something other than a regular file (a directory, a device).
    case notAFile(path: String, kind: String)
    /// The store file has more than one hard link: SQLite names its `-wal` and `-shm` after the
    /// path, so two names would be two logs for one database (and a corrupted store).
    case hardLinked(path: String, links: Int)
    /// The command needs a permission the user does not have; `needed` says which, on what.
    case permission(path: String, needed: String)
    /// A store read without locks (read-only for this user, no `-shm` file) changed while it was
    /// read: what was read may be torn, so it is not used. Running again reads it afresh.
    case changedWhileReading(path: String)
    /// A state change the state machine forbids (a bug in the caller, never user input).
    case illegalTransition(jobID: Int64, from: JobState, to: JobState)
    /// A job id that the store does not hold.
    case unknownJob(jobID: Int64)
    /// A PostgreSQL URL, or the password settings beside it, that cannot be used as given.
    case invalidLocation(detail: String)
    /// The PostgreSQL server could not be reached (refused, unknown host, no answer in time):
    /// `endpoint` is `HOST:PORT` (or the socket). Running again later may work.
    case unreachable(endpoint: String, reason: String)
    /// The server answered but refused us: wrong password or role, a missing database, a TLS
    /// certificate that fails verification. Running again will not help.
    case loginRefused(store: String, detail: String)
    /// The server is there but cannot serve now: too many connections, a statement timeout,
    /// a lock held elsewhere, shutting down. Running again later may work.
    case unavailable(store: String, detail: String)
    /// Any other PostgreSQL failure, with the server's own words.
    case postgres(store: String, detail: String)

    public var description: String {
        switch self {
        case .noStore(let path):
            "no job store at \(shown(path)): import a CSV file to create one, or use an existing store"
        case .directoryMissing(let path):
            "cannot create a job store at \(shown(path)): its directory does not exist"
        case .notAJobStore(let path, let detail):
            "\(shown(path)) is not an upscale-batch job store (\(detail)); it was left as it was"
        case .newerSchema(let path, let unknown):
            "\(shown(path)) was written by a newer upscale-batch (schema \(unknown.joined(separator: ", "))): upgrade upscale-batch to use it"
        case .busy(let path):
            "\(shown(path)) is locked by another process for longer than the busy timeout; try again later"
        case .sqlite(let path, let detail):
            "job store \(shown(path)): \(detail)"
        case .notAFile(let path, let kind):
            "\(shown(path)) is \(kind), not a job store file"
        case .hardLinked(let path, let links):
            "\(shown(path)) has \(links) hard links: SQLite keeps a store's -wal and -shm files beside each name, so two names "
                + "would be two logs for one database; keep one name (remove the other links, use a symlink instead)"
        case .permission(let path, let needed):
            "job store \(shown(path)): \(needed)"
        case .changedWhileReading(let path):
            "job store \(shown(path)) changed while it was read (it is read-only for you and was read without "
                + "locks, as no -shm file was beside it); try again"
        case .illegalTransition(let id, let from, let to):
            "job \(id): refusing to move from \(from.rawValue) to \(to.rawValue)"
        case .unknownJob(let id):
            "no job with id \(id)"
        case .invalidLocation(let detail):
            "job store: \(detail)"
        case .unreachable(let endpoint, let reason):
            "cannot reach the job store at \(shown(endpoint)): \(reason)"
        case .loginRefused(let store, let detail):
            "job store \(shown(store)) refused the connection: \(detail)"
        case .unavailable(let store, let detail):
            "job store \(shown(store)) cannot serve now (\(detail)); try again later"
        case .postgres(let store, let detail):
            "job store \(shown(store)): \(detail)"
        }
    }

    /// A path as a message shows it: invisible characters escaped.
    private func shown(_ path: String) -> String { TextEscaping.visible(path) }
}
