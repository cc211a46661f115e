import ArgumentParser
import Foundation
import UpscaleBatch

/// `upscale-batch import FILE`: adds a CSV's image URLs to the job store.
///
/// Wiring only: the core's `JobImporter` reads the header before the store is opened (so a
/// missing, empty or column-less file never creates a store), then imports in one
/// transaction. Rejected rows go to standard error as `FILE:LINE: reason`, the summary line
/// to standard output.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add the image URLs of a CSV file to the job store (creating the store if needed).",
        discussion: """
            FILE is a CSV (UTF-8, RFC 4180) with a header row naming a url (or img_url) column and \
            optionally a mode column; - reads standard input. Bad rows are reported as \
            FILE:LINE: reason and skipped; URLs already stored (with the same mode) are skipped as \
            duplicates. All valid rows are stored in one transaction, or none.
            """
    )

    @Argument(help: ArgumentHelp("The CSV file to import, or - for standard input.", valueName: "FILE"))
    var file: String

    @Option(help: "The mode of rows whose mode column is blank or missing.")
    var mode: Mode = .fast

    @Option(
        help: ArgumentHelp(
            "The batch to add the jobs to (created if new). Default: FILE's base name and today's UTC date, e.g. nightly.csv@2026-11-25.",
            valueName: "NAME"))
    var batch: String?

    /// The summary's form: one line of text, or one JSON object for scripts (nightly.sh).
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(
        help: ArgumentHelp(
            "The summary's form: text (the summary line) or json ({\"imported\": n, \"skipped\": n, \"rejected\": n, \"batch\": \"...\"}).",
            valueName: "FORMAT"))
    var format: Format = .text

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if let batch, let problem = BatchName.problem(batch) { throw ValidationError("--batch: \(problem)") }
    }

    func run() async throws {
        let importer: JobImporter
        do {
            importer = try await JobImporter.reading(path: file, defaultMode: mode)
        } catch {
            throw Self.failure(error)
        }
        let jobStore: any JobStore
        do {
            jobStore = try await JobStores.openOrCreate(store.resolvedPath)
        } catch {
            throw CommandFailure.exit(for: error)
        }
        // The batch's name is settled here, with the import's time, so the JSON summary can say
        // which batch the rows went into.
        let date = Date()
        let batchName = batch ?? JobImporter.defaultBatchName(file: file, date: date)
        let rejections = RejectionPrinter(file: file)
        let summary: ImportSummary
        do {
            summary = try await importer.run(into: jobStore, batchName: batchName, date: date) { row in
                rejections.report(row)
            }
        } catch {
            rejections.flush()
            throw Self.failure(error)
        }
        rejections.flush()
        switch format {
        case .text: print(summary.description)
        case .json:
            print(
                "{\"imported\": \(summary.imported), \"skipped\": \(summary.duplicates), \"rejected\": \(summary.rejected), \"batch\": \(TextEscaping.json(batchName))}"
            )
        }
        fflush(nil)
    }

    private static func failure(_ error: ImportError) -> ExitCode {
        switch error {
        case .store(let storeError):
            CommandFailure.exit(for: storeError)
        default:
            CommandFailure.exit(ExitCodes.configuration, error.description)
        }
    }
}
