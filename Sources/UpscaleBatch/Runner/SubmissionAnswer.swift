/// A submission's answer from the API, waiting for its commit (`CommitGroup`).
struct SubmissionAnswer: Sendable {
    var claim: SubmissionClaim
    /// The request id the API gave, or why there is none.
    var result: Result<String, EnhancorError>
}
