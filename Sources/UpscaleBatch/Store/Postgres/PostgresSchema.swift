import Logging
import PostgresNIO

/// The PostgreSQL store's schema, `upscale_batch`: the SQLite store's tables with the same
/// names, columns and meanings (README, "The job store"), in PostgreSQL's types (booleans for
/// the 0/1 flags, bigint for ids, counts and Unix-millisecond times; times people read stay
/// ISO-8601 UTC text, so both engines show and compare them alike), plus `download_host`.
///
/// Migrations are named and applied once, in order, in ONE transaction that holds an advisory
/// lock, so processes that start together migrate once. The schema is marked as ours (its
/// comment) and lists its migrations in `schema_migrations`; a schema of that name without
/// both was not made by us and is refused, never altered. A migration this build does not
/// know means a newer upscale-batch: refused.
enum PostgresSchema {
    /// The schema's comment: what tells our schema from another application's of the same name.
    static let marker = "upscale-batch job store"
    /// The advisory lock taken by migrations ("UpBa", as SQLite's application id).
    static let migrationLock: Int64 = 0x5570_4261

    /// The migrations in order: a name, and its statements (one per query: the extended
    /// protocol takes one statement at a time).
    static let migrations: [(name: String, statements: [String])] = [
        ("pg1", initial),
        ("pg2-import-without-per-row-checks", importWithoutPerRowChecks),
        ("pg3-runner-leases", runnerLeases),
    ]

    /// Checks the database's schema and brings it up to date. Returns whether this role may
    /// write the store. `creating`: `import` makes the schema when there is none.
    /// `migrations` is this build's list; a test passes a prefix of it to make the store an
    /// older build made.
    static func prepare(
        on connection: PostgresConnection, creating: Bool, access: StoreAccess, store: PostgresLocation, logger: Logger,
        migrations: [(name: String, statements: [String])] = PostgresSchema.migrations
    ) async throws -> Bool {
        var state = try await inspect(connection, logger: logger, store: store)
        if state == nil && !creating { throw StoreError.noStore(path: store.displayName) }
        let known = Set(migrations.map(\.name))
        if let applied = state {
            let unknown = applied.subtracting(known)
            if !unknown.isEmpty { throw StoreError.newerSchema(path: store.displayName, unknownMigrations: unknown.sorted()) }
        }
        let pending = migrations.filter { !(state ?? []).contains($0.name) }
        if !pending.isEmpty {
            if access == .read && state != nil {
                throw StoreError.permission(
                    path: store.displayName,
                    needed:
                        "its schema needs an upgrade (\(pending.map(\.name).joined(separator: ", "))) that a writing command makes"
                )
            }
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                // Another process may have migrated while this one waited for the lock.
                state = try await inspect(connection, logger: logger, store: store)
                if state == nil {
                    try await connection.query("CREATE SCHEMA \(unescaped: PostgresJobStore.schema)", logger: logger)
                    try await connection.query(
                        "COMMENT ON SCHEMA \(unescaped: PostgresJobStore.schema) IS '\(unescaped: marker)'", logger: logger)
                    try await connection.query(
                        """
                        CREATE TABLE \(unescaped: PostgresJobStore.schema).schema_migrations (
                            name text PRIMARY KEY, applied_at text NOT NULL)
                        """, logger: logger)
                }
                for migration in migrations where !(state ?? []).contains(migration.name) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), \(unescaped: PGSQL.now))",
                        logger: logger)
                }
                if state == nil {
                    try await connection.query(
                        """
                        INSERT INTO meta (key, value) VALUES ('webhook_secret', \(WebhookSecret.generate())),
                            ('created_at', \(unescaped: PGSQL.now))
                        """, logger: logger)
                }
            }
        }
        let rows = try await connection.query(
            "SELECT has_table_privilege('\(unescaped: PostgresJobStore.schema).jobs', 'UPDATE')", logger: logger)
        for try await canWrite in rows.decode(Bool.self) { return canWrite }
        return false
    }

    /// The migrations applied, or nil when the database has no schema of ours. A schema of
    /// that name that is not ours throws `notAJobStore`.
    private static func inspect(_ connection: PostgresConnection, logger: Logger, store: PostgresLocation) async throws
        -> Set<String>?
    {
        let rows = try await connection.query(
            """
            SELECT obj_description(n.oid, 'pg_namespace'),
                   to_regclass('\(unescaped: PostgresJobStore.schema).schema_migrations') IS NOT NULL
            FROM pg_namespace n WHERE n.nspname = \(PostgresJobStore.schema)
            """, logger: logger)
        var found: (String?, Bool)?
        for try await (comment, hasTable) in rows.decode((String?, Bool).self) { found = (comment, hasTable) }
        guard let (comment, hasTable) = found else { return nil }
        guard comment == marker, hasTable else {
            throw StoreError.notAJobStore(
                path: store.displayName,
                detail: "the database has a schema \(PostgresJobStore.schema) that upscale-batch did not make")
        }
        var applied: Set<String> = []
        let names = try await connection.query(
            "SELECT name FROM \(unescaped: PostgresJobStore.schema).schema_migrations", logger: logger)
        for try await name in names.decode(String.self) { applied.insert(name) }
        return applied
    }

    /// The SQLite store's schema at its migration v8, in one step, plus `download_host`.
    private static let initial: [String] = [
        "SET LOCAL search_path = \(PostgresJobStore.schema)",
        "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
        """
        CREATE TABLE batches (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            source_file text NOT NULL,
            imported_at text NOT NULL)
        """,
        """
        CREATE TABLE jobs (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            batch_id bigint NOT NULL REFERENCES batches(id),
            url text NOT NULL,
            mode text NOT NULL CHECK (mode IN ('fast', 'professional')),
            state text NOT NULL DEFAULT 'PENDING'
                CHECK (state IN ('PENDING', 'IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED')),
            request_id text,
            cost bigint,
            result_url text,
            error text,
            attempts bigint NOT NULL DEFAULT 0,
            submitting boolean NOT NULL DEFAULT false,
            possible_duplicate boolean NOT NULL DEFAULT false,
            run_id text,
            poll_count bigint NOT NULL DEFAULT 0,
            next_poll_at bigint,
            polling boolean NOT NULL DEFAULT false,
            finished_by text,
            download_path text,
            download_host text,
            download_bytes bigint,
            download_sha256 text,
            downloaded_at text,
            download_error text,
            created_at text NOT NULL,
            submitted_at text,
            finished_at text,
            updated_at text NOT NULL,
            not_found_polls bigint NOT NULL DEFAULT 0,
            not_found_since bigint,
            cost_unknown boolean NOT NULL DEFAULT false,
            submitting_run text,
            attempt_webhook boolean NOT NULL DEFAULT false,
            attempt_sent_at bigint,
            account text,
            UNIQUE (url, mode))
        """,
        "CREATE INDEX jobs_next_poll ON jobs(next_poll_at) WHERE next_poll_at IS NOT NULL",
        "CREATE INDEX jobs_run ON jobs(run_id, state) WHERE run_id IS NOT NULL",
        """
        CREATE INDEX jobs_to_download ON jobs(id)
            WHERE state = 'COMPLETED' AND result_url IS NOT NULL AND downloaded_at IS NULL
        """,
        "CREATE INDEX jobs_request ON jobs(request_id) WHERE request_id IS NOT NULL",
        "CREATE INDEX jobs_state ON jobs(state)",
        "CREATE INDEX jobs_batch ON jobs(batch_id)",
        """
        CREATE TABLE job_attempts (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            job_id bigint NOT NULL REFERENCES jobs(id),
            request_id text,
            state text NOT NULL,
            cost bigint,
            result_url text,
            error text,
            possible_duplicate boolean NOT NULL DEFAULT false,
            submitted_at text,
            finished_at text,
            archived_at text NOT NULL,
            reason text NOT NULL,
            next_poll_at bigint)
        """,
        "CREATE INDEX job_attempts_job ON job_attempts(job_id)",
        "CREATE INDEX job_attempts_due ON job_attempts(next_poll_at) WHERE next_poll_at IS NOT NULL",
        "CREATE INDEX job_attempts_duplicates ON job_attempts(job_id) WHERE reason = 'duplicate'",
        """
        CREATE TABLE runs (
            id text PRIMARY KEY,
            pid bigint NOT NULL,
            process_start text,
            host text NOT NULL,
            batch text,
            started_at text NOT NULL,
            ended_at text)
        """,
        """
        CREATE TABLE run_scope (
            run_id text NOT NULL REFERENCES runs(id),
            job_id bigint NOT NULL REFERENCES jobs(id),
            cost_only boolean NOT NULL DEFAULT false,
            PRIMARY KEY (run_id, job_id))
        """,
        "CREATE INDEX run_scope_job ON run_scope(job_id)",
    ]

    /// What `import` pays per row, cut to what the queries use (issue 12: moving 1,000,000
    /// staged rows into `jobs` cost 8x psql's `\copy`, most of it per-row work besides the row).
    ///
    /// - The foreign key `jobs.batch_id -> batches` goes: its check is a trigger per inserted
    ///   row (about 6.5 s per million). `import` is the only writer of `batch_id` and of
    ///   `batches`: it inserts a batch and its jobs in ONE transaction, and deletes a batch only
    ///   in that transaction when it received no job, so no job can point at a missing batch.
    ///   The SQLite engine likewise switches its foreign-key checks off for an import.
    /// - `jobs_state` and `jobs_batch` (full B-trees: an entry per imported row) give way to
    ///   `jobs_batch_pages`, a BRIN index on `batch_id`: an import appends its batch's rows
    ///   together, so a summary of each 128 pages finds a batch (`status`, `report`, `list`,
    ///   `retry`, `estimate` and a run's scope with `--batch`) at almost no cost per row; and
    ///   `jobs_begun`, a B-tree on `(state, batch_id)` over the jobs no longer PENDING, which an
    ///   import never adds to: it finds the few FAILED (`retry`), in-flight or COMPLETED jobs
    ///   by state, and by batch too. PENDING jobs are found through their batch or a scan, as
    ///   before (no B-tree serves the run scope's `state NOT IN (...)`).
    ///
    /// EXPLAIN ANALYZE on a store of 1,000,000 jobs in five batches (three finished, one half
    /// run, one pending): the state queries took 0.3-0.6x the time they took with `jobs_state`
    /// (`retry`, `list --state FAILED --batch`, a run's cost-only scope), the scans without a
    /// filter 0.7-0.8x (fewer index entries to keep, the same plans), and the batch queries
    /// 1.3-1.9x (0.13-0.19 s to 0.24-0.26 s): with five batches the planner expects a batch to
    /// be a fifth of the table and scans the table (the BRIN index, forced, read one in
    /// 0.08-0.13 s). In a store of 50 batches of 20,000 it takes the BRIN index: 16-23 ms.
    private static let importWithoutPerRowChecks: [String] = [
        "SET LOCAL search_path = \(PostgresJobStore.schema)",
        "ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_batch_id_fkey",
        "DROP INDEX IF EXISTS jobs_state",
        "DROP INDEX IF EXISTS jobs_batch",
        "CREATE INDEX jobs_batch_pages ON jobs USING brin (batch_id) WITH (autosummarize = on)",
        "CREATE INDEX jobs_begun ON jobs (state, batch_id) WHERE state <> 'PENDING'",
    ]
}

extension PostgresSchema {
    /// Several runners on one store (issue 13; cli.md, "Several runners on one store"): each
    /// run's lease (`lease_ms`, renewed by its heartbeat into `last_seen` by the database's
    /// clock), requests in flight and part of the store-wide limits, and the owner of each poll claim (`polling_run`), so
    /// that the claims of a runner whose lease lapsed are taken over by the live ones. Adding
    /// nullable columns rewrites no row: instant on a store of millions of jobs.
    fileprivate static let runnerLeases: [String] = [
        "SET LOCAL search_path = \(PostgresJobStore.schema)",
        "ALTER TABLE runs ADD COLUMN last_seen timestamptz",
        "ALTER TABLE runs ADD COLUMN lease_ms bigint NOT NULL DEFAULT 30000",
        "ALTER TABLE runs ADD COLUMN in_flight bigint NOT NULL DEFAULT 0",
        // The store-wide limits spread over the runners (`LimitShares`): what each could use
        // (its demand; a NULL rate: any) and what it holds (`slots` never below its requests
        // in flight, so the sum held never passes the limit).
        "ALTER TABLE runs ADD COLUMN demand_slots bigint NOT NULL DEFAULT 0",
        "ALTER TABLE runs ADD COLUMN demand_rate double precision",
        "ALTER TABLE runs ADD COLUMN slots bigint NOT NULL DEFAULT 0",
        "ALTER TABLE runs ADD COLUMN rate_share double precision NOT NULL DEFAULT 0",
        "ALTER TABLE jobs ADD COLUMN polling_run text",
        // The polls under way (at most every runner's concurrency): found by owner at take-over.
        "CREATE INDEX jobs_polling ON jobs(polling_run) WHERE polling",
        // Reserved and claimed submissions, found by owner when a run ends or dies.
        "CREATE INDEX jobs_submitting_run ON jobs(submitting_run) WHERE submitting_run IS NOT NULL",
    ]
}

/// SQL fragments shared by the PostgreSQL store's queries (the counterparts of `StoreSQL`).
enum PGSQL {
    /// The current time as the store writes it: ISO-8601 UTC with milliseconds, as on SQLite.
    static let now = #"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    /// The final states, for `state IN` / `NOT IN` clauses.
    static let finalStates = "('COMPLETED', 'FAILED')"

    /// Whether the run in `runs` row `alias` is live: not ended, and its lease not lapsed by
    /// the database's clock, counted from the later of its last renewal and the server's own
    /// start, so a restart of the server never makes every runner look dead (cli.md).
    static func runIsLive(_ alias: String) -> String {
        """
        (\(alias).ended_at IS NULL AND greatest(\(alias).last_seen, pg_postmaster_start_time())
            + \(alias).lease_ms * interval '1 millisecond' > clock_timestamp())
        """
    }
}
