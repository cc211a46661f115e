/// `report --format html`: one self-contained page for people who read mail and print, not
/// SQL. The totals, the groups as a table, and a chart of cost per day by mode.
///
/// Self-contained on purpose: inline CSS and SVG only (no script, font, image or stylesheet
/// from the network), so it opens the same offline, from a mail attachment, or printed. The
/// numbers carry `data-field` attributes with their JSON names, so a program (or a test) can
/// read them back and compare them with `report --format json`.
public struct CostReportPage: Sendable {
    public var report: CostReport
    public var daily: [DailyModeCost]
    public var filter: ReportFilter
    /// When the page was made (ISO-8601 UTC), shown at its foot.
    public var generatedAt: String
    public var version: String

    public init(report: CostReport, daily: [DailyModeCost], filter: ReportFilter, generatedAt: String, version: String) {
        self.report = report
        self.daily = daily
        self.filter = filter
        self.generatedAt = generatedAt
        self.version = version
    }

    public func render() -> String {
        let title = "upscale-batch cost report" + (filter.batch.map { ": " + $0 } ?? "")
        let page = HTML.el(
            "html", ["lang": "en", "xmlns": "http://www.w3.org/1999/xhtml"],
            .el(
                "head",
                .el("meta", ["charset": "utf-8"]),
                .el("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"]),
                .el("title", .text(title)),
                .el("style", .trusted(Self.css))),
            .el(
                "body",
                .el(
                    "main",
                    .el("h1", .text("Cost report")),
                    .el("p", ["class": "scope"], .text(scope)),
                    totals,
                    .el(
                        "section",
                        .el("h2", .text("Cost per day, by mode")),
                        CostChart(costs: daily, since: filter.since, until: filter.until).html),
                    .el("section", .el("h2", .text("By \(report.grouping.rawValue)")), groupsTable),
                    .el(
                        "footer",
                        .el(
                            "p",
                            .text(
                                "Costs are in credits, the API's own unit. \"Spent\" is the cost of jobs that COMPLETED; the cost the API quoted on FAILED jobs is reported as refunded and shown apart. \"Cost\" is everything quoted, jobs in flight included. Days are UTC days of submission."
                            )),
                        .el("p", .text("Generated \(generatedAt) by upscale-batch \(version)."))))))
        return page.render(document: true) + "\n"
    }

    /// What the page covers, in words.
    var scope: String {
        var parts = [filter.batch.map { "batch \u{201C}\($0)\u{201D}" } ?? "all batches"]
        switch (filter.since, filter.until) {
        case (let since?, let until?): parts.append(since == until ? "submitted on \(since)" : "submitted \(since) to \(until)")
        case (let since?, nil): parts.append("submitted on or after \(since)")
        case (nil, let until?): parts.append("submitted on or before \(until)")
        case (nil, nil): parts.append("all days")
        }
        parts.append("grouped by \(report.grouping.rawValue)")
        return parts.joined(separator: " \u{00B7} ")
    }

    private var totals: HTML {
        let costs = report.costs
        let completed = report.groups.reduce(0) { $0 + $1.completed }
        let failed = report.groups.reduce(0) { $0 + $1.failed }
        let cards: [(String, String, String)] = [
            ("Jobs", "jobs", String(report.jobs)),
            ("Completed", "completed", String(completed)),
            ("Failed", "failed", String(failed)),
            ("Cost (credits)", "total_cost", String(costs.total)),
            ("Spent (completed)", "completed_cost", String(costs.completed)),
            ("Quoted on failed", "failed_cost", String(costs.failed)),
            ("Duplicate charges", "duplicate_cost", String(costs.duplicate)),
        ]
        return .el(
            "section", ["class": "totals", "aria-label": "Totals"],
            children: cards.map { label, field, value in
                .el(
                    "div", ["class": "card"], .el("div", ["class": "label"], .text(label)),
                    .el("div", ["class": "value", "data-field": field], .text(value)))
            })
    }

    private var groupsTable: HTML {
        let headers = [
            report.grouping.rawValue, "jobs", "completed", "failed", "cost", "spent (completed)", "quoted on failed",
            "duplicate charges",
        ]
        let head = HTML.el(
            "thead",
            .el(
                "tr",
                children: headers.enumerated().map { index, name in
                    .el("th", ["scope": "col", "class": index == 0 ? "key" : "num"], .text(name))
                }))
        let rows: [HTML] = report.groups.map { group in
            .el(
                "tr", ["data-key": group.key],
                children: [.el("th", ["scope": "row", "class": "key", "data-field": "key"], .text(group.key))]
                    + Self.cells([
                        ("jobs", group.jobs), ("completed", group.completed), ("failed", group.failed),
                        ("cost", Int(group.costs.total)), ("completed_cost", Int(group.costs.completed)),
                        ("failed_cost", Int(group.costs.failed)), ("duplicate_cost", Int(group.costs.duplicate)),
                    ]))
        }
        let body: HTML =
            rows.isEmpty
            ? .el("tbody", .el("tr", .el("td", ["colspan": "8", "class": "empty"], .text("No jobs match."))))
            : .el("tbody", children: rows)
        let costs = report.costs
        let foot = HTML.el(
            "tfoot",
            .el(
                "tr",
                children: [.el("th", ["scope": "row", "class": "key"], .text("total"))]
                    + Self.cells([
                        ("jobs", report.jobs), ("completed", report.groups.reduce(0) { $0 + $1.completed }),
                        ("failed", report.groups.reduce(0) { $0 + $1.failed }), ("cost", Int(costs.total)),
                        ("completed_cost", Int(costs.completed)), ("failed_cost", Int(costs.failed)),
                        ("duplicate_cost", Int(costs.duplicate)),
                    ])))
        return .el("table", ["class": "groups"], head, body, foot)
    }

    private static func cells(_ values: [(StaticString, Int)]) -> [HTML] {
        values.map { field, value in
            .element(
                name: "td", attributes: [HTML.Attribute("class", "num"), HTML.Attribute("data-field", field.description)],
                children: [.text(String(value))])
        }
    }

    /// The page's style: system fonts only (nothing to download), and a print style that keeps
    /// the chart and the table on paper without the screen's shading.
    static let css: StaticString = """
        :root { color-scheme: light; --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --card: #f8fafc; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
        main { max-width: 1040px; margin: 0 auto; padding: 24px 24px 40px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 28px 0 10px; }
        .scope { color: var(--muted); margin: 0 0 20px; }
        .totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
        .card .label { color: var(--muted); font-size: 13px; }
        .card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
        svg { display: block; width: 100%; height: auto; }
        svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--muted); }
        svg .bar-total { fill: var(--ink); font-size: 11px; }
        svg .axis-title { font-size: 12px; }
        svg .grid { stroke: var(--line); stroke-width: 1; }
        svg .axis { stroke: #94a3b8; stroke-width: 1; }
        .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 0; margin: 8px 0 0; color: var(--muted); font-size: 13px; }
        .legend li { display: flex; align-items: center; }
        .legend svg { display: inline-block; width: 14px; height: 14px; margin-right: 6px; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: right; }
        th.key, td.key { text-align: left; overflow-wrap: anywhere; }
        thead th { color: var(--muted); font-weight: 600; font-size: 13px; border-bottom: 2px solid var(--line); }
        tbody tr:nth-child(even) { background: var(--card); }
        tfoot th, tfoot td { font-weight: 600; border-top: 2px solid var(--line); border-bottom: none; }
        td.empty, .empty { color: var(--muted); text-align: left; }
        footer { margin-top: 28px; color: var(--muted); font-size: 13px; }
        @media print {
          body { font-size: 11pt; }
          main { max-width: none; padding: 0; }
          .card, tbody tr:nth-child(even) { background: none; }
          section, table, svg { break-inside: avoid; }
        }
        """
}
