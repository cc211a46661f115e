/// A setting of the run that the summary may tell the user to change. The core says what
/// happened and never how a setting is given: the caller that knows (the executable, by flag)
/// names the settings through `RunSummary.render(naming:)`, `RunConfiguration.naming` and the
/// clients' configurations.
public enum RunSetting: Sendable, Hashable, CaseIterable {
    /// Most API requests in flight at once.
    case concurrency
    /// Most API requests started per second.
    case rate
    /// How long a run may last before it stops, to resume later.
    case maxWait
    /// The cap on credits a run may commit to.
    case maxSpend
    /// The URL the API sends webhooks to.
    case webhookURL
    /// How long an attempt in doubt waits for a webhook before it is resubmitted.
    case doubtWait
    /// How long a job may stay in flight before it ends FAILED.
    case jobTimeout
    /// How long a request's polls must answer 404 before its job ends FAILED.
    case unknownRequestAfter
    /// The API key.
    case apiKey
    /// The API's base URL.
    case baseURL
    /// Extra CA certificates to trust.
    case caFile
    /// How long a run waits for a lost job store before it stops.
    case storeGrace
    /// How long a run's claims hold after its last heartbeat.
    case lease
    /// The size limit of one result.
    case maxBytes
    /// Not a setting: where the user lists the FAILED jobs.
    case failedJobs
}
