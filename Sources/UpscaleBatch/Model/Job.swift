import Foundation

/// One image to upscale, as the job store holds it.
///
/// `requestID` is nil until the API accepted a submission; `submitting` is true between
/// recording an attempt and learning its outcome, so a crash in that window leaves a trace
/// (the next submission is then counted as a possible duplicate charge).
public struct Job: Sendable, Equatable, Codable {
    public var id: Int64
    public var batch: String
    public var url: String
    public var mode: Mode
    public var state: JobState
    public var requestID: String?
    public var cost: Int64?
    public var resultURL: String?
    public var error: String?
    public var attempts: Int
    public var possibleDuplicate: Bool

    public init(
        id: Int64, batch: String, url: String, mode: Mode, state: JobState,
        requestID: String? = nil, cost: Int64? = nil, resultURL: String? = nil,
        error: String? = nil, attempts: Int = 0, possibleDuplicate: Bool = false
    ) {
        self.id = id
        self.batch = batch
        self.url = url
        self.mode = mode
        self.state = state
        self.requestID = requestID
        self.cost = cost
        self.resultURL = resultURL
        self.error = error
        self.attempts = attempts
        self.possibleDuplicate = possibleDuplicate
    }

    /// Has a request id and is not final: the API is working on it.
    public var isInFlight: Bool { requestID != nil && !state.isFinal }
    /// PENDING with no request id: the next run submits it.
    public var isUnsubmitted: Bool { requestID == nil && state == .pending }
}
