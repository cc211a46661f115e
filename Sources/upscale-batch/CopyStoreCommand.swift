import ArgumentParser
import Foundation
import UpscaleBatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `copy-store --to DEST`: the whole store into a new one of either engine (SQLite to
/// PostgreSQL and back), so a team changes engines without losing history or resubmitting a
/// job in flight.
struct CopyStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-store",
        abstract: "Copy the whole job store into a new store (SQLite or PostgreSQL, either way).",
        discussion: """
            Copies every job in every state with all its columns (request ids, costs, results,
            submissions in doubt, possible duplicates), every earlier and duplicate attempt,
            every batch, the webhook secret and the account salt, keeping ids. DEST is a path
            that must not exist, or a postgres:// URL of a database without the upscale_batch
            schema (exit 2 otherwise; no password in the URL: PGPASSWORD,
            UPSCALE_DB_PASSWORD_FILE or ~/.pgpass). The copy is written in one transaction:
            all of it or nothing. A store held by a run exits 75; stop `webhook serve` first
            (webhooks recorded in the source after the copy stay there). Exit 0 when copied.
            """)

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("The new store: a path that does not exist, or a postgres:// URL.", valueName: "DEST"))
    var destination: String

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if destination.isEmpty { throw ValidationError("--to needs a path or a postgres:// URL; got an empty value") }
        if PostgresLocation.isURL(destination), PostgresLocation.urlHoldsPassword(destination) {
            throw CommandFailure.exit(
                ExitCodes.configuration,
                "--to must not hold a password (every user can read a command line): give it in PGPASSWORD, "
                    + "UPSCALE_DB_PASSWORD_FILE (a file only you can read) or ~/.pgpass")
        }
    }

    func run() async throws {
        let source = try await store.open(for: .read)
        let lock = try await holdSource(source)
        do {
            try await copy(from: source)
        } catch {
            await release(lock, source)
            throw error
        }
        await release(lock, source)
    }

    private func copy(from source: any JobStore) async throws {
        let target = try await createDestination()
        let counts: StoreCopyCounts
        do {
            counts = try await StoreCopy.copy(from: source, to: target)
        } catch {
            await discard(target)
            throw Self.failure(error)
        }
        (target as? PostgresJobStore)?.close()
        StandardOutput.print(
            "copied \(source.displayName) to \(target.displayName): \(counts.batches) batch\(counts.batches == 1 ? "" : "es"), "
                + "\(counts.jobs) job\(counts.jobs == 1 ? "" : "s"), \(counts.attempts) attempt\(counts.attempts == 1 ? "" : "s"), "
                + "\(counts.meta) store setting\(counts.meta == 1 ? "" : "s")\n")
    }

    /// Lets go of the source: a PostgreSQL run lock's session is closed (its connection must
    /// be closed before it goes away), the store's connections too.
    private func release(_ lock: (any Sendable)?, _ source: any JobStore) async {
        if let lock = lock as? PostgresRunLock { await lock.release() }
        (source as? PostgresJobStore)?.close()
    }

    /// Holds the source's run lock for the whole copy, so no run starts meanwhile: exit 75 when
    /// a run holds it now. A SQLite store whose directory this user may not write (no lock file
    /// can be made) is only checked.
    private func holdSource(_ source: any JobStore) async throws -> (any Sendable)? {
        // A function: `CommandFailure.exit` prints its message when called.
        let busy = {
            CommandFailure.exit(
                ExitCodes.tryAgainLater,
                "a run is working on \(source.displayName); copy the store when it has ended (stop webhook serve too)")
        }
        if let postgres = source as? PostgresJobStore {
            // The lock keeps runs from beginning (`beginRun` takes it shared); runs already
            // under way are seen by their leases.
            let lock: PostgresRunLock?
            let runners: [RunnerRecord]
            do {
                lock = try await postgres.acquireRunLock()
                runners = lock == nil ? [] : try await postgres.liveRunners()
            } catch { throw CommandFailure.exit(for: error) }
            guard let lock else { throw busy() }
            guard runners.isEmpty else {
                await lock.release()
                throw busy()
            }
            return lock
        }
        do {
            guard let lock = try RunLock(storePath: source.displayName) else { throw busy() }
            return lock
        } catch is StoreError {
            if RunLock.isHeld(storePath: source.displayName) { throw busy() }
            return nil
        }
    }

    /// Makes the destination: a new SQLite file, or the schema in a database that has none.
    private func createDestination() async throws -> any JobStore {
        if JobStores.isDatabaseURL(destination) {
            do {
                let existing = try await JobStores.open(destination, for: .read)
                (existing as? PostgresJobStore)?.close()
                throw CommandFailure.exit(
                    ExitCodes.configuration,
                    "\(existing.displayName) already has a job store (schema \(PostgresJobStore.schema)): "
                        + "copy-store writes only into a database without one")
            } catch let error as StoreError {
                if case .noStore = error {} else { throw CommandFailure.exit(for: error) }
            }
        } else {
            var status = stat()
            if lstat(destination, &status) == 0 {
                throw CommandFailure.exit(
                    ExitCodes.configuration,
                    "\(TextEscaping.visible(destination)) already exists: copy-store writes a new store, "
                        + "name a path that does not exist")
            }
        }
        do {
            return try await JobStores.openOrCreate(destination)
        } catch {
            throw CommandFailure.exit(for: error)
        }
    }

    /// A failed copy leaves no store behind: the new file is removed, or the new schema dropped.
    private func discard(_ target: any JobStore) async {
        if let postgres = target as? PostgresJobStore {
            _ = try? await postgres.discardIfEmpty()
            postgres.close()
        } else {
            for suffix in ["", "-wal", "-shm"] { unlink(destination + suffix) }
        }
    }

    private static func failure(_ error: any Error) -> ExitCode {
        if let error = error as? StoreError { return CommandFailure.exit(for: error) }
        if let error = error as? StoreCopyError { return CommandFailure.exit(ExitCodes.configuration, error.description) }
        return CommandFailure.exit(ExitCodes.configuration, "copy failed, nothing was kept at the destination: \(error)")
    }
}
