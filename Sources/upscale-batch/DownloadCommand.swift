import ArgumentParser
import Foundation
import Logging
import UpscaleBatch

/// `download`: keeps the results. Result URLs expire (some within the hour), so this fetches
/// every COMPLETED job's image that is not downloaded yet into `--out` and records it.
struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download every COMPLETED job's result image not downloaded yet.",
        discussion: """
            Files are named <job id>-<source file name>.<png|jpg|webp|gif>, written as a hidden
            .partial file and renamed when complete; path, size and SHA-256 are recorded in the
            job store. Prints: downloaded N (B bytes), failed F, already downloaded S.
            Exit 0 when every download succeeded, 1 when some failed (the reason is in the
            job's download_error; transient failures are retried by the next download),
            2 for configuration errors, 75 when the job store is busy.
            Expired URLs (HTTP 403/404/410), non-images and results over --max-bytes fail
            permanently and are not retried unless --retry-failed is given.
            """)

    @OptionGroup var store: StoreOptions
    @Option(
        name: .customLong("out"),
        help: ArgumentHelp("The directory to keep results in (created if missing; its parent must exist).", valueName: "DIR"))
    var outputDirectory: String
    @Option(help: "Only jobs of this batch.") var batch: String?
    @Option(help: "Downloads at once (1-64).") var concurrency: Int = 4
    @Option(help: "Refuse results larger than this many bytes.") var maxBytes: Int64 = ResultDownloader.defaultMaxBytes
    @Option(help: "Extra CA certificate(s) to trust, PEM (default: $ENHANCOR_CA_FILE).") var caFile: String?
    @Flag(help: "Also try again the jobs whose download failed permanently before.") var retryFailed = false
    @Flag(help: "Log every download.") var verbose = false

    func validate() throws {
        if !(1...64).contains(concurrency) { throw ValidationError("--concurrency must be between 1 and 64") }
        if maxBytes < 1 { throw ValidationError("--max-bytes must be at least 1") }
    }

    func run() async throws {
        let jobStore = try await store.open()
        try await checkBatch(batch, in: jobStore)
        var handler = PlainLogHandler()
        handler.logLevel = verbose ? .debug : .warning
        handler.showsMetadata = verbose
        let logger = Logger(label: "upscale-batch.download") { _ in handler }
        let downloader: ResultDownloader
        do {
            downloader = try ResultDownloader(
                store: jobStore, outputDirectory: outputDirectory, concurrency: concurrency, maxBytes: maxBytes,
                caFilePath: caFile ?? ProcessInfo.processInfo.environment["ENHANCOR_CA_FILE"], logger: logger,
                naming: { $0.flag })
        } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }
        let summary: DownloadSummary
        do {
            summary = try await downloader.downloadPending(batch: batch, retryPermanentFailures: retryFailed)
        } catch {
            await downloader.shutdown()
            throw CommandFailure.exit(for: error)
        }
        await downloader.shutdown()
        var text = summary.line + "\n"
        if summary.notRetried > 0 {
            text += "not retried \(summary.notRetried) (failed permanently before; see download_error, or use --retry-failed)\n"
        }
        StandardOutput.print(text)
        if summary.failed > 0 { throw ExitCode(ExitCodes.failedJobs) }
    }
}
