/// Why a run ended (the executable maps it to an exit code).
public enum RunOutcome: Sendable, Equatable {
    /// Every job in scope is final and none FAILED.
    case allCompleted
    /// Every job in scope is final, some FAILED.
    case someFailed
    /// The API refused the key.
    case unauthorized
    /// SIGINT/SIGTERM.
    case interrupted
    /// The run's maximum wait was reached.
    case maxWaitReached
    /// The same refusal for several jobs in a row, e.g. out of credits.
    case refusalStreak(message: String)
    /// Jobs left unsubmitted or unfinished, e.g. transient errors outlasted the retries.
    case incomplete(unfinished: Int)
    /// The spending cap would have been passed by the next submission.
    case maxSpendReached(cap: Int64)
    /// The client cannot reach the API as configured (e.g. an untrusted TLS certificate).
    case configuration(message: String)
    /// The job store could not be written (e.g. locked by another process past the busy timeout).
    case storeUnavailable(message: String)

    /// One line for the summary and the log; `naming` gives how a setting is changed (the
    /// executable's flag), shown after the setting's words.
    public func explanation(naming: (RunSetting) -> String? = { _ in nil }) -> String {
        func setting(_ words: String, _ setting: RunSetting) -> String {
            naming(setting).map { "\(words) (\($0))" } ?? words
        }
        return switch self {
        case .allCompleted: "every job finished"
        case .someFailed: "every job is final; some FAILED" + (naming(.failedJobs).map { " (see `\($0)`)" } ?? "")
        case .unauthorized: "the API refused the key: nothing was marked FAILED; fix \(setting("the key", .apiKey)) and run again"
        case .interrupted: "stopped by a signal; run again to resume"
        case .maxWaitReached: "\(setting("the maximum wait", .maxWait)) was reached; run again to resume"
        case .refusalStreak(let message):
            "the API refused several jobs in a row (\(message)); they stay unsubmitted for the next run"
        case .incomplete(let unfinished): "\(unfinished) job(s) not final (the API kept failing); run again to resume"
        case .maxSpendReached(let cap):
            "\(setting("the spending cap", .maxSpend)) of \(cap) credits was reached; "
                + "the remaining jobs stay unsubmitted for the next run"
        case .configuration(let message): "stopped: \(message)"
        case .storeUnavailable(let message): "stopped: \(message); run again to resume"
        }
    }
}
