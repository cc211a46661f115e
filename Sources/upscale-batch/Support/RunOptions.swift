import ArgumentParser
import Foundation
import UpscaleBatch

/// The options of `run` that `demo` shares.
struct RunOptions: ParsableArguments {
    /// nil: the store's limit (`limits --concurrency`), else 8 (`RunLimits`).
    @Option(
        help: ArgumentHelp(
            "Most API requests in flight at once (submissions and polls together).",
            discussion: "Default: the store's limit (upscale-batch limits), else 8; never above the store's limit."))
    var concurrency: Int?
    @Option(help: "Longest wait between polls of a job (seconds, or 90s / 30m / 6h).")
    var pollInterval: DurationArgument = DurationArgument(seconds: 5)
    @Option(help: "Poll interval for jobs whose cost is known once webhooks finish jobs.")
    var fallbackPollInterval: DurationArgument = DurationArgument(seconds: 300)
    @Option(help: "Stop after this long (exit 75; the next run resumes). Default: no limit.")
    var maxWait: DurationArgument?
    @Option(help: "Fail a job still in flight after this long.")
    var jobTimeout: DurationArgument = DurationArgument(seconds: 24 * 3600)
    @Option(help: "Only jobs of this batch.")
    var batch: String?
    @Option(help: "Stop submitting before this run's spend (quoted plus expected credits) would pass this.")
    var maxSpend: Int64?
    @Option(
        help: ArgumentHelp(
            "At most this many API requests per second across the pool (besides --concurrency).",
            discussion: "Default: the store's limit (upscale-batch limits), else none; never above the store's limit."))
    var rate: Double?
    @Option(help: "Keep the results: download each completed job's image into DIR as the run goes.")
    var download: String?
    @Option(help: "Give up connecting to the API after this long (the attempt is retried).")
    var connectTimeout: DurationArgument = DurationArgument(seconds: 10)
    @Option(help: "Give up waiting for one API answer after this long.")
    var requestTimeout: DurationArgument = DurationArgument(seconds: 30)
    @Option(
        help:
            "Wait this long for a webhook to name a submission in doubt (sent with a webhook URL of ours) before resubmitting it."
    )
    var doubtWait: DurationArgument = DurationArgument(seconds: 600)
    @Option(help: "Three 404s to a request's status polls over at least this long: the API does not know it.")
    var unknownRequestAfter: DurationArgument = DurationArgument(seconds: 600)
    @Option(
        help:
            "When the job store's server is lost during the run, retry its commits this long before stopping (exit 75)."
    )
    var storeGrace: DurationArgument = DurationArgument(seconds: 60)
    @Option(
        help:
            "On a shared PostgreSQL store: other runners take this run's work over this long after its last heartbeat (renewed every lease/3)."
    )
    var lease: DurationArgument = DurationArgument(seconds: 30)
    @Option(help: "Without a terminal: print a progress line every this many seconds.")
    var progressEvery: DurationArgument?
    @Flag(help: "Only warnings, errors and the summary.") var quiet = false
    @Flag(help: "Log every request and state change.") var verbose = false

    func validate() throws {
        if let concurrency, !StoreLimits.concurrencyRange.contains(concurrency) {
            throw ValidationError("--concurrency must be 1...1024")
        }
        guard pollInterval.seconds > 0 else { throw ValidationError("--poll-interval must be above 0") }
        guard connectTimeout.seconds > 0, requestTimeout.seconds > 0 else {
            throw ValidationError("--connect-timeout and --request-timeout must be above 0")
        }
        guard storeGrace.seconds >= 0 else { throw ValidationError("--store-grace must be 0 or more") }
        guard lease.seconds >= 1 else { throw ValidationError("--lease must be 1 s or more") }
        if let maxSpend, maxSpend < 0 { throw ValidationError("--max-spend must be 0 or more") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be above 0") }
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other") }
    }
}
