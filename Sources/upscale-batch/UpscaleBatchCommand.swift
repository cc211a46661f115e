import ArgumentParser
import UpscaleBatch

/// The root command. Each subcommand lives in its own file and only wires the core together.
struct UpscaleBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale-batch",
        abstract: "Upscale thousands of portrait images through Enhancor's API, nightly and unattended.",
        discussion: """
            Import a CSV of image URLs, run it (from cron), and ask at any time what was spent.
            The job store is one SQLite file (--db, UPSCALE_DB; default ./upscale-batch.sqlite3).
            Try it with no key: upscale-batch demo
            """,
        version: UpscaleBatchVersion.current,
        subcommands: [
            ImportCommand.self, RunCommand.self, StatusCommand.self, ListCommand.self,
            ReportCommand.self, RetryCommand.self, LimitsCommand.self, WebhookCommand.self, SimulateCommand.self,
            DemoCommand.self, DownloadCommand.self, EstimateCommand.self, BackupCommand.self, CopyStoreCommand.self,
        ]
    )
}
