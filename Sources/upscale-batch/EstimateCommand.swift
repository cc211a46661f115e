import ArgumentParser
import UpscaleBatch

/// `estimate`: what the unsubmitted jobs should cost, from the costs this store has seen.
struct EstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Estimate the cost of the unsubmitted jobs, per mode, from the average cost seen so far.",
        discussion: """
            The average per mode covers every job with a cost (any state) and earlier attempts.
            Averages are rounded half up to whole credits; each mode's expected cost is
            pending x exact average, rounded once. A mode with no cost seen yet says
            "no history yet for MODE" and is left out of the total.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Only the unsubmitted jobs of this batch (the averages still use the whole store).") var batch: String?
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func validate() throws {
        if format == .csv { throw ValidationError("estimate prints table or json") }
    }

    func run() async throws {
        let jobStore = try await store.open(for: .read)
        try await checkBatch(batch, in: jobStore)
        let estimate: CostEstimate
        do { estimate = try await jobStore.costEstimate(batch: batch) } catch { throw CommandFailure.exit(for: error) }
        StandardOutput.print(format == .json ? EstimateRenderer.json(estimate) : EstimateRenderer.table(estimate))
    }
}
