/// Renders `status`: counts per state, in flight, unsubmitted, cost figures.
public enum StatusRenderer {
    /// The status JSON scripts read: `{"counts": {...}, "in_flight", "unsubmitted", "total_cost",
    /// "completed_cost", "failed_cost", "duplicate_cost", "runners": [...]}`.
    public static func json(_ snapshot: StatusSnapshot, runners: [RunnerRecord] = []) -> String {
        let runnerList = runners.map { runner in
            """
            {"id": \(TextEscaping.json(runner.id)), "host": \(TextEscaping.json(runner.host)), "pid": \(runner.pid), \
            "started_at": \(TextEscaping.json(runner.startedAt)), "last_seen": \(TextEscaping.json(runner.lastSeen)), \
            "in_flight": \(runner.inFlight)}
            """
        }.joined(separator: ", ")
        let counts = JobState.allCases.map { "\"\($0.rawValue)\": \(snapshot.counts[$0] ?? 0)" }.joined(separator: ", ")
        return """
            {"counts": {\(counts)}, "in_flight": \(snapshot.inFlight), "unsubmitted": \(snapshot.unsubmitted), \
            "possible_duplicates": \(snapshot.possibleDuplicates), "total_cost": \(snapshot.costs.total), \
            "completed_cost": \(snapshot.costs.completed), "failed_cost": \(snapshot.costs.failed), \
            "duplicate_cost": \(snapshot.costs.duplicate), "runners": [\(runnerList)]}

            """
    }

    public static func table(_ snapshot: StatusSnapshot, runners: [RunnerRecord] = []) -> String {
        var table = TextTable(header: ["state", "jobs"], numericColumns: [1])
        for state in JobState.allCases { table.append([state.rawValue, String(snapshot.counts[state] ?? 0)]) }
        table.append(["total", String(snapshot.total)])
        return table.render() + """

            in flight: \(snapshot.inFlight)   unsubmitted: \(snapshot.unsubmitted)   possible duplicate charges: \(snapshot.possibleDuplicates)
            cost (credits): total \(snapshot.costs.total), completed \(snapshot.costs.completed), quoted on failed jobs \(snapshot.costs.failed), duplicate charges \(snapshot.costs.duplicate)
            \(runnerLines(runners))
            """
    }

    /// "runners: none", or one line per live runner.
    private static func runnerLines(_ runners: [RunnerRecord]) -> String {
        guard !runners.isEmpty else { return "runners: none\n" }
        return "runners:\n"
            + runners.map { runner in
                "  \(runner.id) on \(runner.host) (pid \(runner.pid)): started \(runner.startedAt), "
                    + "last seen \(runner.lastSeen), \(runner.inFlight) in flight\n"
            }.joined()
    }
}
