import ArgumentParser
import Foundation
import UpscaleBatch

/// `--db PATH`, shared by every command that touches the job store.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The job store (SQLite file).", discussion: "Default: $UPSCALE_DB, else ./upscale-batch.sqlite3", valueName: "PATH"))
    var path: String?

    func validate() throws {
        // An empty --db is a mistake (an unset variable in a script), never the default store.
        if let path, path.isEmpty { throw ValidationError("--db needs a path to a job store; got an empty value") }
    }

    /// The store path after the flag, the environment and the default, in that order.
    var resolvedPath: String {
        if let path, !path.isEmpty { return path }
        if let env = ProcessInfo.processInfo.environment["UPSCALE_DB"], !env.isEmpty { return env }
        return "upscale-batch.sqlite3"
    }

    /// Opens an existing store through the contract (either engine); a missing one is exit 2 with
    /// "no job store at ...". Commands that only read pass `.read`.
    func open(for access: StoreAccess = .write) async throws -> any JobStore {
        do {
            return try await JobStores.open(resolvedPath, for: access)
        } catch {
            throw CommandFailure.exit(for: error)
        }
    }
}
