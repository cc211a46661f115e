/// Renders `report`: one row per group and the totals.
public enum CostReportRenderer {
    /// The CSV header (README, "The cost report"): a stable contract for scripts.
    public static let csvHeader = [
        "key", "jobs", "completed", "failed", "cost", "completed_cost", "failed_cost", "duplicate_cost",
    ]

    public static func render(_ report: CostReport, as format: OutputFormat) -> String {
        switch format {
        case .json: json(report)
        case .csv: csv(report)
        case .table: table(report)
        }
    }

    public static func json(_ report: CostReport) -> String {
        let groups = report.groups.map { group in
            """
            {"key": \(TextEscaping.json(group.key)), "jobs": \(group.jobs), "completed": \(group.completed), \
            "failed": \(group.failed), "cost": \(group.costs.total), "completed_cost": \(group.costs.completed), \
            "failed_cost": \(group.costs.failed), "duplicate_cost": \(group.costs.duplicate)}
            """
        }
        let totals = report.costs
        return """
            {"by": "\(report.grouping.rawValue)", "total_cost": \(totals.total), "completed_cost": \(totals.completed), \
            "failed_cost": \(totals.failed), "duplicate_cost": \(totals.duplicate), "jobs": \(report.jobs), "groups": [\(groups.joined(separator: ", "))]}

            """
    }

    public static func csv(_ report: CostReport) -> String {
        var out = csvHeader.joined(separator: ",") + "\n"
        for group in report.groups {
            out += [TextEscaping.csv(group.key)].joined() + ","
            out += [group.jobs, group.completed, group.failed].map(String.init).joined(separator: ",") + ","
            out +=
                [group.costs.total, group.costs.completed, group.costs.failed, group.costs.duplicate].map(String.init)
                .joined(separator: ",") + "\n"
        }
        return out
    }

    public static func table(_ report: CostReport) -> String {
        var table = TextTable(
            header: [
                report.grouping.rawValue, "jobs", "completed", "failed", "cost", "spent (completed)", "quoted on failed",
                "duplicates",
            ],
            numericColumns: [1, 2, 3, 4, 5, 6, 7])
        for group in report.groups {
            table.append([
                group.key, String(group.jobs), String(group.completed), String(group.failed),
                String(group.costs.total), String(group.costs.completed), String(group.costs.failed),
                String(group.costs.duplicate),
            ])
        }
        let totals = report.costs
        table.append([
            "total", String(report.jobs), String(report.groups.reduce(0) { $0 + $1.completed }),
            String(report.groups.reduce(0) { $0 + $1.failed }), String(totals.total), String(totals.completed),
            String(totals.failed), String(totals.duplicate),
        ])
        return table.render()
            + "Costs in credits. Jobs that failed are reported as refunded by the API's users; their quoted cost is shown apart.\n"
            + "Duplicates: what the API quoted for extra requests it ran for a job (a resubmission after a lost answer); included in cost.\n"
    }
}
