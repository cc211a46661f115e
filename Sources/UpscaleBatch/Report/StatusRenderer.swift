/// Renders `status`: counts per state, in flight, unsubmitted, cost figures.
public enum StatusRenderer {
    /// The status JSON scripts read: `{"counts": {...}, "in_flight", "unsubmitted", "total_cost", "completed_cost", "failed_cost"}`.
    public static func json(_ snapshot: StatusSnapshot) -> String {
        let counts = JobState.allCases.map { "\"\($0.rawValue)\": \(snapshot.counts[$0] ?? 0)" }.joined(separator: ", ")
        return """
            {"counts": {\(counts)}, "in_flight": \(snapshot.inFlight), "unsubmitted": \(snapshot.unsubmitted), \
            "possible_duplicates": \(snapshot.possibleDuplicates), "total_cost": \(snapshot.costs.total), \
            "completed_cost": \(snapshot.costs.completed), "failed_cost": \(snapshot.costs.failed), \
            "duplicate_cost": \(snapshot.costs.duplicate)}

            """
    }

    public static func table(_ snapshot: StatusSnapshot) -> String {
        var table = TextTable(header: ["state", "jobs"], numericColumns: [1])
        for state in JobState.allCases { table.append([state.rawValue, String(snapshot.counts[state] ?? 0)]) }
        table.append(["total", String(snapshot.total)])
        return table.render() + """

            in flight: \(snapshot.inFlight)   unsubmitted: \(snapshot.unsubmitted)   possible duplicate charges: \(snapshot.possibleDuplicates)
            cost (credits): total \(snapshot.costs.total), completed \(snapshot.costs.completed), quoted on failed jobs \(snapshot.costs.failed), duplicate charges \(snapshot.costs.duplicate)

            """
    }
}
