/// What a run did: its outcome, the summary read from the store, the downloads' final tally.
public struct RunReport: Sendable {
    public var outcome: RunOutcome
    /// The summary read from the store's record of the run, or why it could not be read.
    public var summary: Result<RunSummary, StoreError>
    /// With downloads: what the final sweep kept.
    public var downloads: DownloadSummary?
    /// Every job was final but the success mark (the last-success gauge) could not be written.
    public var successMarkError: StoreError?

    public init(outcome: RunOutcome, summary: Result<RunSummary, StoreError>) {
        self.outcome = outcome
        self.summary = summary
    }
}
