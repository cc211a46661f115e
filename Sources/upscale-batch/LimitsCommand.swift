import ArgumentParser
import UpscaleBatch

/// `limits`: the store-wide limits kept in the job store (cli.md, "Several runners on one store").
/// With no option it prints them; with one it changes them, then prints them as they now are.
/// A writing command: it opens the store for writing, which brings an older schema up to date
/// as `retry` and the other writing commands do, and refuses a store the user may only read.
struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Show or set the store-wide limits: API requests in flight, and started per second.",
        discussion: """
            Kept in the job store, on both engines; copy-store carries them. With no option,
            prints them. --concurrency changes only the concurrency, --rate only the rate;
            the value `none` clears that one, --clear clears both. A run without
            --concurrency uses the store's concurrency (else 8); a run's own --concurrency
            and --rate are capped by the store's. A run reads them when it starts.
            """)

    @OptionGroup var store: StoreOptions
    // `.unconditional`: `--concurrency -1` is a value to refuse with a message, not an unknown option.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Most API requests in flight at once, 1 to 1024, or none.", valueName: "N"),
        transform: { text in try LimitsCommand.parsed(text, StoreLimits.concurrencyChange(parsing:)) })
    var concurrency: LimitChange<Int>?
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Most API requests started per second (2, 0.5), or none.", valueName: "R"),
        transform: { text in try LimitsCommand.parsed(text, StoreLimits.rateChange(parsing:)) })
    var rate: LimitChange<Double>?
    @Flag(help: "Clear both limits.") var clear = false
    /// `limits` has no CSV form: it is one record, not rows.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Output format: table or json.") var format: Format = .table

    func validate() throws {
        if clear && (concurrency != nil || rate != nil) {
            throw ValidationError("--clear clears both limits: give it without --concurrency and --rate")
        }
    }

    func run() async throws {
        let jobStore = try await store.open(for: .write)
        let limits: StoreLimits
        do {
            if clear {
                limits = try await jobStore.changeLimits(concurrency: .clear, rate: .clear)
            } else if concurrency != nil || rate != nil {
                limits = try await jobStore.changeLimits(concurrency: concurrency ?? .keep, rate: rate ?? .keep)
            } else {
                limits = try await jobStore.limits()
            }
        } catch {
            throw CommandFailure.exit(for: error)
        }
        StandardOutput.print(format == .json ? LimitsRenderer.json(limits) : LimitsRenderer.table(limits))
    }

    /// A value of the command line through the core's parser; its refusal becomes
    /// swift-argument-parser's usage error (exit 64), which names the option and the value.
    private static func parsed<Value>(
        _ text: String, _ parse: (String) throws(LimitValueError) -> LimitChange<Value>
    ) throws -> LimitChange<Value> {
        do {
            return try parse(text)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
