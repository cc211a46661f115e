import UpscaleBatch

extension RunOutcome {
    /// The process exit code for this outcome (README, "Exit codes").
    var exitCode: Int32 {
        switch self {
        case .allCompleted: 0
        case .someFailed: ExitCodes.failedJobs
        case .unauthorized: ExitCodes.unauthorized
        case .configuration: ExitCodes.configuration
        case .interrupted, .maxWaitReached, .refusalStreak, .incomplete, .storeUnavailable, .maxSpendReached:
            ExitCodes.tryAgainLater
        }
    }
}
