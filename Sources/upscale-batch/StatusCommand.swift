import ArgumentParser
import UpscaleBatch

/// `status`: the store at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show how many jobs are in each state, in flight and unsubmitted, and the costs so far.")

    @OptionGroup var store: StoreOptions
    /// `status` has no CSV form: it is one record, not rows.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Output format: table or json.") var format: Format = .table

    func run() async throws {
        let jobStore = try await store.open(for: .read)
        let snapshot: StatusSnapshot
        let runners: [RunnerRecord]
        do {
            snapshot = try await jobStore.statusSnapshot(batch: nil, runID: nil)
            runners = try await jobStore.liveRunners()
        } catch {
            throw CommandFailure.exit(for: error)
        }
        StandardOutput.print(
            format == .json
                ? StatusRenderer.json(snapshot, runners: runners) : StatusRenderer.table(snapshot, runners: runners))
    }
}
