import ArgumentParser
import UpscaleBatch

/// `retry`: FAILED jobs back to PENDING, their failed attempt kept in the history.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Move FAILED jobs back to PENDING so the next run submits them again.",
        discussion: "The failed attempt (request id, cost, result, error) stays in the job_attempts table.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Only jobs of this batch.") var batch: String?

    func run() async throws {
        let jobStore = try await store.open()
        try await checkBatch(batch, in: jobStore)
        let moved: Int
        do { moved = try await jobStore.retryFailed(batch: batch) } catch { throw CommandFailure.exit(for: error) }
        StandardOutput.print("moved \(moved) failed job\(moved == 1 ? "" : "s") back to PENDING\n")
    }
}
