import ArgumentParser
import UpscaleBatch

/// `status`: the store at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show how many jobs are in each state, in flight and unsubmitted, and the costs so far.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func validate() throws {
        if format == .csv { throw ValidationError("status prints table or json") }
    }

    func run() async throws {
        let jobStore = try store.openExisting()
        let snapshot = try CommandFailure.wrap { () throws(StoreError) in try jobStore.statusSnapshot() }
        StandardOutput.print(format == .json ? StatusRenderer.json(snapshot) : StatusRenderer.table(snapshot))
    }
}
