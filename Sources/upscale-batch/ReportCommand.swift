import ArgumentParser
import Foundation
import UpscaleBatch

/// `report`: cost totals, grouped.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Cost totals grouped by mode, batch, day (UTC day of submission) or state.",
        discussion: """
            "spent" is the cost of COMPLETED jobs; the cost quoted on FAILED jobs (reported as
            refunded) is shown apart. Costs are integers in the API's unit (credits).
            --format html writes one self-contained page (inline CSS and SVG: the totals, the
            groups as a table and a chart of cost per day by mode). --out FILE writes any format
            to FILE atomically (a temporary file beside it, then a rename) instead of standard
            output.
            """)

    /// `report` alone has a page form: one self-contained HTML file.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json, html
    }

    @OptionGroup var store: StoreOptions
    @Option(help: "Only jobs of this batch.") var batch: String?
    @Option(help: "Only jobs submitted on or after this UTC day (YYYY-MM-DD).", transform: Day.parse) var since: Day?
    @Option(help: "Only jobs submitted on or before this UTC day (YYYY-MM-DD).", transform: Day.parse) var until: Day?
    @Option(help: "Group by mode, batch, day or state.") var by: ReportGrouping = .mode
    @Option(help: "Output format: table, csv, json or html.") var format: Format = .table
    @Option(help: ArgumentHelp("Write the report to FILE (atomically) instead of standard output.", valueName: "FILE"))
    var out: String?

    func run() async throws {
        let jobStore = try await store.open(for: .read)
        try await checkBatch(batch, in: jobStore)
        let filter = ReportFilter(batch: batch, since: since?.text, until: until?.text)
        let report: CostReport
        do { report = try await jobStore.costReport(by: by, filter: filter) } catch { throw CommandFailure.exit(for: error) }
        let text: String
        switch format {
        case .table: text = CostReportRenderer.render(report, as: .table)
        case .csv: text = CostReportRenderer.render(report, as: .csv)
        case .json: text = CostReportRenderer.render(report, as: .json)
        case .html:
            let daily: [DailyModeCost]
            do { daily = try await jobStore.dailyCosts(filter: filter) } catch { throw CommandFailure.exit(for: error) }
            text = CostReportPage(
                report: report, daily: daily, filter: filter,
                generatedAt: UTCTime.seconds(Date()), version: UpscaleBatchVersion.current
            ).render()
        }
        guard let out else {
            StandardOutput.print(text)
            return
        }
        do {
            try AtomicFile.write(text, to: out)
        } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }
    }
}
