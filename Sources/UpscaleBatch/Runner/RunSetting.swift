/// A setting of the run that the summary may tell the user to change. The core says what
/// happened and never how a setting is given: the caller that knows (the executable, by flag)
/// names the settings through `RunSummary.render(naming:)`.
public enum RunSetting: Sendable, Hashable, CaseIterable {
    /// How long a run may last before it stops, to resume later.
    case maxWait
    /// The cap on credits a run may commit to.
    case maxSpend
    /// The URL the API sends webhooks to.
    case webhookURL
}
