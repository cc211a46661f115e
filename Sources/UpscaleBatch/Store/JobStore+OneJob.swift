import Foundation

/// The one-job forms of the contract's batched writes, for callers that have a single job or
/// webhook in hand (tests, a resubmission).
extension JobStore {
    /// Claims one job for submission (see `claimSubmissions`).
    public func claimSubmission(
        jobID: Int64, runID: String, webhookOfOurs: Bool, doubtWait: Double, account: String? = nil
    ) async throws(StoreError) -> SubmissionClaimResult {
        let results = try await claimSubmissions(
            jobIDs: [jobID], runID: runID, webhookOfOurs: webhookOfOurs, doubtWait: doubtWait, account: account)
        return results[0]
    }

    /// A submission without a usable answer, not checked against a run's claim (see
    /// `recordSubmissionUnresolved(jobID:error:keepInDoubt:runID:)`).
    public func recordSubmissionUnresolved(jobID: Int64, error: String, keepInDoubt: Bool) async throws(StoreError) {
        try await recordSubmissionUnresolved(jobID: jobID, error: error, keepInDoubt: keepInDoubt, runID: nil)
    }

    /// Records one webhook (see `recordWebhooks(_:busyTimeout:)`).
    public func recordWebhook(
        jobID: Int64?, requestID: String, status: String, resultURL: String?, busyTimeout: TimeInterval? = nil
    ) async throws(StoreError) -> WebhookOutcome {
        let webhook = ReceivedWebhook(jobID: jobID, requestID: requestID, status: status, resultURL: resultURL)
        return try await recordWebhooks([webhook], busyTimeout: busyTimeout)[0]
    }

    /// Records one submission's request id (see `recordSubmitted(_:)`).
    public func recordSubmitted(jobID: Int64, requestID: String, firstPollAt: Int64) async throws(StoreError) {
        try await recordSubmitted([SubmittedRequest(jobID: jobID, requestID: requestID, firstPollAt: firstPollAt)])
    }
}
