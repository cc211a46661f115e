import ArgumentParser
import UpscaleBatch

/// `report`: cost totals, grouped.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Cost totals grouped by mode, batch, day (UTC day of submission) or state.",
        discussion: """
            "spent" is the cost of COMPLETED jobs; the cost quoted on FAILED jobs (reported as
            refunded) is shown apart. Costs are integers in the API's unit (credits).
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Only jobs of this batch.") var batch: String?
    @Option(help: "Only jobs submitted on or after this UTC day (YYYY-MM-DD).", transform: Day.parse) var since: Day?
    @Option(help: "Only jobs submitted on or before this UTC day (YYYY-MM-DD).", transform: Day.parse) var until: Day?
    @Option(help: "Group by mode, batch, day or state.") var by: ReportGrouping = .mode
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        let jobStore = try store.openExisting(for: .read)
        try checkBatch(batch, in: jobStore)
        let filter = ReportFilter(batch: batch, since: since?.text, until: until?.text)
        let report = try CommandFailure.wrap { () throws(StoreError) in try jobStore.costReport(by: by, filter: filter) }
        StandardOutput.print(CostReportRenderer.render(report, as: format))
    }
}
