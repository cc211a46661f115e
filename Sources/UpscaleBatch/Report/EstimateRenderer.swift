/// Renders `estimate`: a table for people, JSON for scripts.
public enum EstimateRenderer {
    /// `{"pending": n, "expected_cost": n, "complete": bool, "unestimated_jobs": n, "modes": [{"mode",
    /// "pending", "known_jobs", "average_cost", "expected_cost"}]}`; a mode without history has
    /// null `average_cost` and `expected_cost`.
    public static func json(_ estimate: CostEstimate) -> String {
        let modes = estimate.modes.map { mode in
            """
            {"mode": "\(mode.mode.rawValue)", "pending": \(mode.pending), "known_jobs": \(mode.knownJobs), \
            "average_cost": \(mode.averageCost.map(String.init) ?? "null"), \
            "expected_cost": \(mode.expectedCost.map(String.init) ?? "null")}
            """
        }.joined(separator: ", ")
        return """
            {"pending": \(estimate.pending), "expected_cost": \(estimate.expectedCost), \
            "complete": \(estimate.isComplete), "unestimated_jobs": \(estimate.unestimatedJobs), "modes": [\(modes)]}

            """
    }

    public static func table(_ estimate: CostEstimate) -> String {
        var table = TextTable(
            header: ["mode", "pending", "known jobs", "average cost", "expected cost"], numericColumns: [1, 2, 3, 4])
        for mode in estimate.modes {
            table.append([
                mode.mode.rawValue, String(mode.pending), String(mode.knownJobs),
                mode.averageCost.map(String.init) ?? "-", mode.expectedCost.map(String.init) ?? "-",
            ])
        }
        var out = table.render()
        out +=
            "expected cost (credits): \(estimate.expectedCost) for \(estimate.pending) pending job\(estimate.pending == 1 ? "" : "s")"
        if !estimate.isComplete {
            out += " (\(estimate.unestimatedJobs) not estimated: no cost history for their mode)"
        }
        out += "\n"
        for mode in estimate.modes where mode.lacksHistory {
            out += "no history yet for \(mode.mode.rawValue)\n"
        }
        out += "averages are rounded half up; each expected cost is pending x exact average, rounded once\n"
        return out
    }
}
