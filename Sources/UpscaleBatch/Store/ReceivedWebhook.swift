/// One webhook from the API, as the receiver validated it: what the store records
/// (`JobStore.recordWebhooks`).
public struct ReceivedWebhook: Sendable, Hashable {
    /// The job id our callback URL carried (nil when the URL had none).
    public var jobID: Int64?
    public var requestID: String
    public var status: String
    public var resultURL: String?

    public init(jobID: Int64?, requestID: String, status: String, resultURL: String?) {
        self.jobID = jobID
        self.requestID = requestID
        self.status = status
        self.resultURL = resultURL
    }

    /// Only a success with a non-empty result URL is something to record.
    public var isSuccess: Bool { status == "success" && !(resultURL ?? "").isEmpty }
}
