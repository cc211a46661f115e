import GRDB

extension ReportFilter {
    /// The filter as SQL conditions on `jobs j`, with their arguments: shared by the cost
    /// report and the cost page's chart, so both always cover the same jobs.
    func conditions(day: String) -> (conditions: [String], arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let batch {
            conditions.append("j.batch_id = \(StoreSQL.batchNamed)")
            _ = arguments.append(contentsOf: [batch])
        }
        if let runID {
            conditions.append("j.id IN (SELECT job_id FROM run_scope WHERE run_id = ? AND cost_only = 0)")
            _ = arguments.append(contentsOf: [runID])
        }
        if let since {
            conditions.append("\(day) >= ?")
            _ = arguments.append(contentsOf: [since])
        }
        if let until {
            conditions.append("\(day) <= ?")
            _ = arguments.append(contentsOf: [until])
        }
        return (conditions, arguments)
    }
}
