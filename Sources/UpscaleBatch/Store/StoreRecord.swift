/// One row of a job store as `copy-store` moves it between engines: every column that either
/// engine keeps, typed, so a store copied SQLite → PostgreSQL → SQLite reads as it did.
///
/// Runs and run scopes are not records: they belong to the processes that made them, and a
/// copy is taken while no run holds the source. A job's `submittingRun` may then name a run
/// the copy does not hold, which both engines read as "that run has ended" (a submission left
/// in doubt stays in doubt and follows the doubt rule).
public enum StoreRecord: Sendable, Equatable {
    /// A store-wide fact (`meta`): the webhook secret, the account salt, the creation time.
    case meta(key: String, value: String)
    case batch(BatchRow)
    case job(JobRow)
    case attempt(AttemptRow)

    /// A row of `batches`.
    public struct BatchRow: Sendable, Equatable {
        public var id: Int64
        public var name: String
        public var sourceFile: String
        public var importedAt: String

        public init(id: Int64, name: String, sourceFile: String, importedAt: String) {
            self.id = id
            self.name = name
            self.sourceFile = sourceFile
            self.importedAt = importedAt
        }
    }

    /// A row of `jobs`, every column (the README's "The job store" says what each means).
    public struct JobRow: Sendable, Equatable {
        public var id: Int64
        public var batchID: Int64
        public var url: String
        public var mode: String
        public var state: String
        public var requestID: String?
        public var cost: Int64?
        public var resultURL: String?
        public var error: String?
        public var attempts: Int64 = 0
        public var submitting: Bool = false
        public var possibleDuplicate: Bool = false
        public var runID: String?
        public var pollCount: Int64 = 0
        public var nextPollAt: Int64?
        public var polling: Bool = false
        public var finishedBy: String?
        public var downloadPath: String?
        /// PostgreSQL only: the host that kept the download (a SQLite store is one host).
        public var downloadHost: String?
        public var downloadBytes: Int64?
        public var downloadSHA256: String?
        public var downloadedAt: String?
        public var downloadError: String?
        public var createdAt: String
        public var submittedAt: String?
        public var finishedAt: String?
        public var updatedAt: String
        public var notFoundPolls: Int64 = 0
        public var notFoundSince: Int64?
        public var costUnknown: Bool = false
        public var submittingRun: String?
        public var attemptWebhook: Bool = false
        public var attemptSentAt: Int64?
        public var account: String?

        public init(id: Int64, batchID: Int64, url: String, mode: String, state: String, createdAt: String, updatedAt: String) {
            self.id = id
            self.batchID = batchID
            self.url = url
            self.mode = mode
            self.state = state
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    /// A row of `job_attempts`: an earlier or duplicate attempt of a job, with what the API said.
    public struct AttemptRow: Sendable, Equatable {
        public var id: Int64
        public var jobID: Int64
        public var requestID: String?
        public var state: String
        public var cost: Int64?
        public var resultURL: String?
        public var error: String?
        public var possibleDuplicate: Bool = false
        public var submittedAt: String?
        public var finishedAt: String?
        public var archivedAt: String
        public var reason: String
        public var nextPollAt: Int64?

        public init(id: Int64, jobID: Int64, state: String, archivedAt: String, reason: String) {
            self.id = id
            self.jobID = jobID
            self.state = state
            self.archivedAt = archivedAt
            self.reason = reason
        }
    }
}

/// What `importStore` wrote (what `copy-store` prints).
public struct StoreCopyCounts: Sendable, Equatable {
    public var meta = 0
    public var batches = 0
    public var jobs = 0
    public var attempts = 0

    public init(meta: Int = 0, batches: Int = 0, jobs: Int = 0, attempts: Int = 0) {
        self.meta = meta
        self.batches = batches
        self.jobs = jobs
        self.attempts = attempts
    }

    /// Counts `record`.
    mutating func add(_ record: StoreRecord) {
        switch record {
        case .meta: meta += 1
        case .batch: batches += 1
        case .job: jobs += 1
        case .attempt: attempts += 1
        }
    }
}

/// Pages of records in order (meta, batches, jobs, attempts), for `JobStore.importStore`.
public protocol StoreRecordSource: Sendable {
    /// The next page, nil at the end.
    func next() async throws -> [StoreRecord]?
}
