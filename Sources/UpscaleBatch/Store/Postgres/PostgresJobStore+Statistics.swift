import PostgresNIO

/// The planner's statistics, refreshed after the store's own bulk writes. An import or a run's
/// scope adds thousands of rows at once, and until autovacuum analyzes the table (a minute or
/// more later) the planner keeps the old row counts: the claims of a run that starts right
/// after its import were measured 5x slower (`upscale-bench claims`: 699 against 3,786
/// claims/s on 60,000 jobs) for want of one ANALYZE.
extension PostgresJobStore {
    /// Bulk writes of fewer rows leave the statistics to autovacuum.
    static let rowsWorthStatistics = 1_000

    /// `ANALYZE table`, best effort: it samples a bounded number of rows (fast on any size),
    /// and a role that may write but does not own the table only gets a warning from the server.
    /// A failure is logged and the command goes on: its work is committed already.
    func refreshStatistics(_ table: String) async {
        do {
            try await withLeasedConnection { [self] connection in
                try await execute("ANALYZE \(unescaped: table)", on: connection)
            }
        } catch {
            logger.debug("ANALYZE \(table) failed: \(error)")
        }
    }
}
