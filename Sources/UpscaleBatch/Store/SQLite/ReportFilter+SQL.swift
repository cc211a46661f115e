import GRDB

/// A `ReportFilter` as SQL on `jobs j`: a join (empty, or the run's scope) to put right after
/// `j` in the FROM clause, conditions for the WHERE clause, and their arguments in that order.
struct JobsFilterSQL {
    var join: String
    var conditions: [String]
    var arguments: StatementArguments

    /// The conditions as ` AND …` clauses to add to a WHERE clause of one's own.
    var andConditions: String { conditions.map { " AND " + $0 }.joined() }
    /// The conditions as a whole WHERE clause (empty when there are none).
    var whereClause: String { conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") }
}

extension ReportFilter {
    /// The filter as SQL on `jobs j`: shared by the cost report, the cost page's chart and the
    /// status counts, so all of them always cover the same jobs.
    ///
    /// One run's scope is a join, not `j.id IN (SELECT job_id FROM run_scope …)`: SQLite reads
    /// the scope through its primary key and finds each job by id, where the IN form first
    /// copied the whole scope into a temporary index (memory that grew with the run: about
    /// 0.8 MB more at the summary of a 100,000-job run, sampled from /proc).
    func sql(day: String) -> JobsFilterSQL {
        var filter = JobsFilterSQL(join: "", conditions: [], arguments: [])
        if let runID {
            filter.join = "JOIN run_scope s ON s.job_id = j.id AND s.run_id = ? AND s.cost_only = 0"
            _ = filter.arguments.append(contentsOf: [runID])
        }
        if let batch {
            filter.conditions.append("j.batch_id = \(StoreSQL.batchNamed)")
            _ = filter.arguments.append(contentsOf: [batch])
        }
        if let since {
            filter.conditions.append("\(day) >= ?")
            _ = filter.arguments.append(contentsOf: [since])
        }
        if let until {
            filter.conditions.append("\(day) <= ?")
            _ = filter.arguments.append(contentsOf: [until])
        }
        return filter
    }
}
