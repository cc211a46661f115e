import GRDB

/// The cost report's totals, kept as jobs change (issue 15, point 4): `job_totals` holds, per
/// batch, mode, state and UTC day of submission (`''` while unsubmitted), how many jobs there
/// are and what they cost. `report` then sums a few rows instead of scanning every job: at
/// 1,000,000 jobs, 0.56-0.62 s became 0.02-0.04 s (scripts/bench-import.sh, README).
///
/// Who keeps them, so that they always equal a GROUP BY over `jobs`:
/// - every UPDATE of a job's batch, mode, state, submission time or cost, and every DELETE,
///   by the triggers below, in the same transaction as the change;
/// - INSERTs by their writer, which adds its rows' counts once (`addImported`, `rebuild`): an
///   AFTER INSERT trigger cost an import of a million rows 1-22% (measured), for a count that
///   import knows already. `import` and `copy-store` are the only writers of new jobs.
///
/// Only the SQLite engine keeps them. On PostgreSQL the report stays a GROUP BY (its time is
/// within issue 12's target against psql), where one totals row written by every runner would
/// make the runners wait on one another.
enum JobTotals {
    /// The day key of a submission time: its UTC date, or `''` while unsubmitted (a NULL in a
    /// primary key would make every unsubmitted job a group of its own).
    static func dayKey(_ submittedAt: String) -> String { "coalesce(substr(\(submittedAt), 1, 10), '')" }

    /// The table, its triggers, and its first fill (the migration that adds them).
    static let create = """
        CREATE TABLE job_totals (
            batch_id INTEGER NOT NULL,
            mode TEXT NOT NULL,
            state TEXT NOT NULL,
            day TEXT NOT NULL,
            jobs INTEGER NOT NULL,
            cost INTEGER NOT NULL,
            PRIMARY KEY (batch_id, mode, state, day)
        ) STRICT, WITHOUT ROWID;
        CREATE TRIGGER job_totals_update AFTER UPDATE OF batch_id, mode, state, submitted_at, cost ON jobs
        WHEN OLD.state IS NOT NEW.state OR OLD.cost IS NOT NEW.cost OR OLD.batch_id IS NOT NEW.batch_id
             OR OLD.mode IS NOT NEW.mode OR substr(OLD.submitted_at, 1, 10) IS NOT substr(NEW.submitted_at, 1, 10)
        BEGIN
            \(subtractOld)
            INSERT INTO job_totals (batch_id, mode, state, day, jobs, cost)
            VALUES (NEW.batch_id, NEW.mode, NEW.state, \(dayKey("NEW.submitted_at")), 1, coalesce(NEW.cost, 0))
            ON CONFLICT (batch_id, mode, state, day) DO UPDATE SET jobs = jobs + 1, cost = cost + excluded.cost;
        END;
        CREATE TRIGGER job_totals_delete AFTER DELETE ON jobs
        BEGIN
            \(subtractOld)
        END;
        \(fill)
        """

    /// A trigger's step that takes the old row out of its group.
    private static let subtractOld = """
        UPDATE job_totals SET jobs = jobs - 1, cost = cost - coalesce(OLD.cost, 0)
        WHERE batch_id = OLD.batch_id AND mode = OLD.mode AND state = OLD.state
          AND day = \(dayKey("OLD.submitted_at"));
        """

    /// Adds the groups of every job to the (empty) totals.
    private static let fill = """
        INSERT INTO job_totals (batch_id, mode, state, day, jobs, cost)
        SELECT batch_id, mode, state, \(dayKey("submitted_at")), count(*), coalesce(sum(cost), 0)
        FROM jobs GROUP BY 1, 2, 3, 4;
        """

    /// Recounts the totals from the jobs (after `copy-store` wrote them).
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM job_totals;" + fill)
    }

    /// Adds an import's new jobs, all PENDING and unsubmitted, of batch `batchID`: `count` per
    /// mode. Rows written by the same statement as a duplicate cannot be told apart by mode,
    /// so an import that skipped any passes nil and the rows above `firstID` are counted.
    static func addImported(_ db: Database, batchID: Int64, counts: [Mode: Int]?, firstID: Int64) throws {
        if let counts {
            for (mode, count) in counts where count > 0 {
                try db.execute(
                    sql: """
                        INSERT INTO job_totals (batch_id, mode, state, day, jobs, cost) VALUES (?, ?, 'PENDING', '', ?, 0)
                        ON CONFLICT (batch_id, mode, state, day) DO UPDATE SET jobs = jobs + excluded.jobs
                        """, arguments: [batchID, mode.rawValue, count])
            }
            return
        }
        try db.execute(
            sql: """
                INSERT INTO job_totals (batch_id, mode, state, day, jobs, cost)
                SELECT batch_id, mode, 'PENDING', '', count(*), 0 FROM jobs WHERE id >= ? GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (batch_id, mode, state, day) DO UPDATE SET jobs = jobs + excluded.jobs
                """, arguments: [firstID])
    }

    /// Whether the store has the totals (a read-only store from before them does not).
    static func exist(_ db: Database) throws -> Bool { try db.tableExists("job_totals") }
}

/// Where the cost report and the cost page read their groups from (`j` in their queries): the
/// totals (a row stands for a group of jobs) where the store has them and the report is not of
/// one run's scope, else the jobs themselves (a row is a job). Both give the same figures
/// (`JobTotalsTests.theReportIsTheSameFromTheTotalsAsFromTheJobs`).
struct ReportSource {
    let table: String
    /// A row's UTC day of submission, NULL while unsubmitted.
    let day: String
    /// How many jobs a row stands for.
    let jobs: String
    /// What a row's jobs cost (0 for none).
    let cost: String

    static let totals = ReportSource(table: "job_totals", day: "nullif(j.day, '')", jobs: "j.jobs", cost: "j.cost")
    static let jobs = ReportSource(
        table: "jobs", day: "substr(j.submitted_at, 1, 10)", jobs: "1", cost: "coalesce(j.cost, 0)")

    /// The source for a report under `filter`: a run's scope is read job by job.
    static func of(_ filter: ReportFilter, _ db: Database) throws -> ReportSource {
        try filter.runID == nil && JobTotals.exist(db) ? .totals : .jobs
    }
}
