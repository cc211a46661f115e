import ArgumentParser
import Foundation
import UpscaleBatch

/// The edge between the core's typed errors and the process's exit codes (README, "Exit codes").
/// Messages go to standard error as `upscale-batch: <message>`.
enum ExitCodes {
    static let failedJobs: Int32 = 1
    static let configuration: Int32 = 2
    static let unauthorized: Int32 = 3
    static let usage: Int32 = 64
    static let tryAgainLater: Int32 = 75
    static let interrupted: Int32 = 130
}

enum CommandFailure {
    /// Prints `message` on standard error and returns the exit code to throw.
    static func exit(_ code: Int32, _ message: String) -> ExitCode {
        printError(message)
        return ExitCode(code)
    }

    /// Runs `body`, turning a `StoreError` into its message and exit code.
    static func wrap<T>(_ body: () throws(StoreError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw exit(for: error)
        }
    }

    /// The same for the store contract's async calls.
    static func wrapAsync<T>(_ body: () async throws(StoreError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw exit(for: error)
        }
    }

    /// Prints a store error (with `message(for:)`) and returns its exit code to throw.
    static func exit(for error: StoreError) -> ExitCode {
        exit(code(for: error), message(for: error))
    }

    /// A store error as the user reads it: the core's words, which say what happened, plus the
    /// command or flag to use where one helps (the core knows none).
    static func message(for error: StoreError) -> String {
        switch error {
        case .noStore: error.description + " (`upscale-batch import FILE` makes one; --db or UPSCALE_DB names another)"
        default: error.description
        }
    }

    static func code(for error: StoreError) -> Int32 {
        switch error {
        case .busy, .changedWhileReading, .unreachable, .unavailable: ExitCodes.tryAgainLater
        default: ExitCodes.configuration
        }
    }
}

/// Writes one line to standard error, flushed (a killed process loses unflushed output).
func printError(_ message: String) {
    FileHandle.standardError.write(Data("upscale-batch: \(message)\n".utf8))
}
