import ArgumentParser
import UpscaleBatch

/// `list`: every matching job, streamed.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs, one per line (table), row (csv) or object (json).")

    @OptionGroup var store: StoreOptions
    @Option(help: "Only jobs in this state (PENDING, IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED).") var state: JobState?
    @Option(help: "Only jobs of this batch.") var batch: String?
    // `.unconditional`: `--limit -1` reaches validate() and gets a message naming the value,
    // not ArgumentParser's "Missing value" (it would take -1 for an option).
    @Option(parsing: .unconditional, help: "At most this many jobs.") var limit: Int?
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, got \(limit)") }
    }

    func run() async throws {
        let jobStore = try await store.open(for: .read)
        try await checkBatch(batch, in: jobStore)
        let listing = JobListing(format: format)
        do {
            try await jobStore.forEachJob(JobFilter(state: state, batch: batch, limit: limit)) { job in
                listing.write(job)
            }
        } catch let error as StoreError {
            throw CommandFailure.exit(for: error)
        }
        listing.end()
    }
}
