import ArgumentParser
import Foundation
import UpscaleBatch

/// `backup DEST`: a consistent, checked copy of the SQLite store, taken while it is in use.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the job store into a new file, consistently, while it is in use.",
        discussion: """
            Uses SQLite's online backup API: runs and webhook receivers go on writing meanwhile.
            The copy is one self-contained file, checked (PRAGMA integrity_check) before it
            appears at DEST. DEST must not exist (exit 2). Exit 0 when the copy is complete and
            checked. Restore by stopping every process that uses the store and copying the backup
            over it (removing the store's -wal and -shm files).
            """)

    @Argument(help: ArgumentHelp("The new file to write the copy to.", valueName: "DEST"))
    var destination: String

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let opened = try await store.open()
        guard let jobStore = opened as? SQLiteJobStore else {
            throw CommandFailure.exit(
                ExitCodes.configuration,
                "\(opened.displayName) is a PostgreSQL database: backups are the database's business (pg_dump, base backups)")
        }
        do {
            let backup = try jobStore.backup(to: destination)
            print("backed up \(jobStore.path) to \(backup.path): \(backup.jobs) jobs, \(backup.bytes) bytes, integrity ok")
            fflush(nil)
        } catch {
            throw CommandFailure.exit(ExitCodes.configuration, error.description)
        }
    }
}
