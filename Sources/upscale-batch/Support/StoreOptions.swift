import ArgumentParser
import Foundation
import UpscaleBatch

/// `--db PATH_OR_URL`, shared by every command that touches the job store: a SQLite file, or a
/// `postgres://` / `postgresql://` URL (README, "PostgreSQL").
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The job store: a SQLite file, or a postgres:// URL (no password: see the README).",
            discussion: "Default: $UPSCALE_DB, else ./upscale-batch.sqlite3", valueName: "PATH_OR_URL"))
    var path: String?

    func validate() throws {
        // An empty --db is a mistake (an unset variable in a script), never the default store.
        if let path, path.isEmpty { throw ValidationError("--db needs a path to a job store; got an empty value") }
        // argv is visible to every user (`ps`): a password there is refused (exit 2, not 64:
        // the value parses, it is refused).
        if let path, PostgresLocation.isURL(path), PostgresLocation.urlHoldsPassword(path) {
            throw CommandFailure.exit(
                ExitCodes.configuration,
                "--db must not hold a password (every user can read a command line): give it in PGPASSWORD, "
                    + "UPSCALE_DB_PASSWORD_FILE (a file only you can read) or ~/.pgpass, or put the whole URL in UPSCALE_DB")
        }
    }

    /// The store path after the flag, the environment and the default, in that order.
    var resolvedPath: String {
        if let path, !path.isEmpty { return path }
        if let env = ProcessInfo.processInfo.environment["UPSCALE_DB"], !env.isEmpty { return env }
        return "upscale-batch.sqlite3"
    }

    /// Opens an existing store of either engine; a missing one is exit 2 with "no job store at
    /// ..."; an unreachable server exit 75. Commands that only read pass `.read`.
    func open(for access: StoreAccess = .write) async throws -> any JobStore {
        do {
            return try await JobStores.open(resolvedPath, for: access)
        } catch {
            throw CommandFailure.exit(for: error)
        }
    }

    /// Opens the store of either engine, creating it when there is none: `import`'s way in.
    func openOrCreate() async throws -> any JobStore {
        do {
            return try await JobStores.openOrCreate(resolvedPath)
        } catch {
            throw CommandFailure.exit(for: error)
        }
    }

    /// The store as messages show it: a URL without its password.
    var displayedLocation: String {
        guard JobStores.isDatabaseURL(resolvedPath) else { return resolvedPath }
        return (try? PostgresLocation(parsing: resolvedPath).displayName) ?? "a postgres:// URL"
    }
}
