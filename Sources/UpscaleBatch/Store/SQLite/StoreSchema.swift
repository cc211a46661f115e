import GRDB

/// The job store's migrations. Each is named and applied once, in order; a store that holds
/// a migration this build does not know was written by a newer version and is refused.
///
/// Times are ISO-8601 UTC text (`2026-11-25T03:00:00.123Z`) so users can read and compare
/// them with `sqlite3`; `next_poll_at` is internal scheduling state in Unix milliseconds.
enum StoreSchema {
    /// `PRAGMA application_id` of a job store: "UpBa". It marks the file as ours, so a command
    /// pointed at another application's SQLite file recognises it without writing to it.
    static let applicationID: Int32 = 0x5570_4261

    /// Migrations a read-only store may lack and still be read (they change nothing a query
    /// reads): a store the user may only read is read as it is.
    static let optionalForReading: Set<String> = [
        "v6-application-id", "v7-jobs-state-index", "v9-runner-heartbeat", "v10-job-totals",
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL
                    ) STRICT;

                    CREATE TABLE batches (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        source_file TEXT NOT NULL,
                        imported_at TEXT NOT NULL
                    ) STRICT;

                    CREATE TABLE jobs (
                        id INTEGER PRIMARY KEY,
                        batch_id INTEGER NOT NULL REFERENCES batches(id),
                        url TEXT NOT NULL,
                        mode TEXT NOT NULL CHECK (mode IN ('fast', 'professional')),
                        state TEXT NOT NULL DEFAULT 'PENDING'
                            CHECK (state IN ('PENDING', 'IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
                        request_id TEXT,
                        cost INTEGER,
                        result_url TEXT,
                        error TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        submitting INTEGER NOT NULL DEFAULT 0,
                        possible_duplicate INTEGER NOT NULL DEFAULT 0,
                        run_id TEXT,
                        poll_count INTEGER NOT NULL DEFAULT 0,
                        next_poll_at INTEGER,
                        polling INTEGER NOT NULL DEFAULT 0,
                        finished_by TEXT,
                        download_path TEXT,
                        download_bytes INTEGER,
                        download_sha256 TEXT,
                        downloaded_at TEXT,
                        download_error TEXT,
                        created_at TEXT NOT NULL,
                        submitted_at TEXT,
                        finished_at TEXT,
                        updated_at TEXT NOT NULL,
                        UNIQUE (url, mode)
                    ) STRICT;

                    -- The poller's claim: jobs whose next status call is due (`polling` marks a call in
                    -- flight; a new run clears it, as the run lock makes it the only poller). Only jobs that need
                    -- polling have a next_poll_at, so the index stays small and import pays nothing.
                    CREATE INDEX jobs_next_poll ON jobs(next_poll_at) WHERE next_poll_at IS NOT NULL;
                    -- A run's scope, its progress and its summary (run_id is set when a run starts).
                    CREATE INDEX jobs_run ON jobs(run_id, state) WHERE run_id IS NOT NULL;
                    -- Results still to download (`download`, `run --download`).
                    CREATE INDEX jobs_to_download ON jobs(id)
                        WHERE state = 'COMPLETED' AND result_url IS NOT NULL AND downloaded_at IS NULL;
                    -- Looking a job up by the API's request id (status answers, webhooks).
                    CREATE INDEX jobs_request ON jobs(request_id) WHERE request_id IS NOT NULL;

                    -- Earlier attempts of a job: `retry` and resubmissions move what the API once
                    -- said here, so no quoted cost is ever forgotten.
                    CREATE TABLE job_attempts (
                        id INTEGER PRIMARY KEY,
                        job_id INTEGER NOT NULL REFERENCES jobs(id),
                        request_id TEXT,
                        state TEXT NOT NULL,
                        cost INTEGER,
                        result_url TEXT,
                        error TEXT,
                        possible_duplicate INTEGER NOT NULL DEFAULT 0,
                        submitted_at TEXT,
                        finished_at TEXT,
                        archived_at TEXT NOT NULL,
                        reason TEXT NOT NULL
                    ) STRICT;
                    CREATE INDEX job_attempts_job ON job_attempts(job_id);
                    """)
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES ('webhook_secret', ?), ('created_at', \(StoreSQL.now))",
                arguments: [WebhookSecret.generate()])
        }
        // A request the API ran for a job beside the one the job follows (a duplicate charge a
        // webhook revealed) is kept as an attempt of reason 'duplicate'; `next_poll_at` makes it
        // due for the one status poll that learns its cost.
        migrator.registerMigration("v2-duplicate-attempts") { db in
            try db.execute(
                sql: """
                    ALTER TABLE job_attempts ADD COLUMN next_poll_at INTEGER;
                    CREATE INDEX job_attempts_due ON job_attempts(next_poll_at) WHERE next_poll_at IS NOT NULL;
                    CREATE INDEX job_attempts_duplicates ON job_attempts(job_id) WHERE reason = 'duplicate';
                    """)
        }
        // Status polls answered 404 (the API does not know the request id), counted across runs:
        // how many in a row, and since when (Unix ms); a final job the API no longer knows stops
        // waiting for its cost.
        migrator.registerMigration("v3-unknown-requests") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN not_found_polls INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE jobs ADD COLUMN not_found_since INTEGER;
                    -- The API no longer knows the request: its cost will never be known, stop asking.
                    ALTER TABLE jobs ADD COLUMN cost_unknown INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        // Each run's scope, recorded per run (jobs.run_id, which a later run overwrote, is no
        // longer written), and the run holding each submission claim: a claim is one
        // conditional UPDATE that only one runner can win, even two that got past the lock.
        migrator.registerMigration("v4-run-scope") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id TEXT PRIMARY KEY NOT NULL,
                        pid INTEGER NOT NULL,
                        -- When that process started (boot id and start tick, Linux), so a pid
                        -- reused by another process is not taken for the run.
                        process_start TEXT,
                        host TEXT NOT NULL,
                        batch TEXT,
                        started_at TEXT NOT NULL,
                        ended_at TEXT
                    ) STRICT;
                    CREATE TABLE run_scope (
                        run_id TEXT NOT NULL REFERENCES runs(id),
                        job_id INTEGER NOT NULL REFERENCES jobs(id),
                        cost_only INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (run_id, job_id)
                    ) STRICT, WITHOUT ROWID;
                    ALTER TABLE jobs ADD COLUMN submitting_run TEXT;
                    """)
        }
        // Doubt settled by webhooks: whether a job's attempt in doubt was sent with a webhook URL
        // of ours (recorded per attempt, not taken from the flags of the run that finds it), and
        // when it was sent (Unix ms).
        migrator.registerMigration("v5-doubt-wait") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN attempt_webhook INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE jobs ADD COLUMN attempt_sent_at INTEGER;
                    """)
        }
        // Stores made before it carry no mark; a writing command adds it (a read-only store is
        // still recognised by its tables, see StoreProbe).
        migrator.registerMigration("v6-application-id") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        }
        // Metrics (issue 16): the store-wide gauges count jobs per state at every scrape. This
        // index makes that a scan of a small index instead of the table (0.12 s instead of
        // 0.6-0.7 s at 1,000,000 jobs), and the oldest unfinished job three lookups.
        migrator.registerMigration("v7-jobs-state-index") { db in
            try db.execute(sql: "CREATE INDEX jobs_state ON jobs(state)")
        }
        // One account per store: the salted fingerprint of the API key and base URL each job's
        // last submission was sent with (SQLiteJobStore+Account).
        migrator.registerMigration("v8-account") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN account TEXT")
        }
        // Several runners (issue 13): a run's heartbeat, shown by `status` (`runners`). On
        // SQLite one run holds the store, so nothing is taken over by it; the columns are the
        // PostgreSQL store's, kept alike. (`status` on a store without them shows the run's
        // start as its last renewal.)
        migrator.registerMigration("v9-runner-heartbeat") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN last_seen TEXT")
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0")
        }
        // The cost report's totals, kept as jobs change (issue 15; JobTotals says who keeps
        // them). A read-only store without them is reported by a scan, as before.
        migrator.registerMigration("v10-job-totals") { db in
            try db.execute(sql: JobTotals.create)
        }
        return migrator
    }
}

/// SQL fragments shared by the store's queries.
enum StoreSQL {
    /// The current time as the store writes it: ISO-8601 UTC with milliseconds.
    static let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    /// The final states, for `state IN` / `NOT IN` clauses.
    static let finalStates = "('COMPLETED', 'FAILED')"
    /// The id of the batch whose name is the next bound argument, for `batch_id = ...`
    /// (NULL when there is no such batch, so the condition matches nothing).
    static let batchNamed = "(SELECT id FROM batches WHERE name = ?)"
}
