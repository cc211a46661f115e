import Foundation

/// What a `/queue` answer body says, read strictly: a submission counts as accepted only when
/// the answer is JSON with a boolean `success: true` and a non-empty string `requestId`,
/// because anything less cannot name the request the API may have created.
enum QueueAnswer: Sendable, Equatable {
    /// `success: true` and a request id.
    case accepted(requestID: String)
    /// `success: false`, with the API's message (or a stand-in when it gave none).
    case refused(message: String)
    /// Anything else: not JSON, not an object, wrong types, missing fields.
    case unreadable(reason: String)

    static func read(_ body: Data) -> QueueAnswer {
        guard let fields = APIText.fields(body) else { return .unreadable(reason: "not a JSON object") }
        switch fields.success {
        case true:
            guard let id = fields.requestID, !id.allSatisfy(\.isWhitespace) else {
                return .unreadable(reason: "success without a requestId string")
            }
            return .accepted(requestID: id)
        case false:
            return .refused(message: fields.message ?? "refused without a message")
        case nil:
            return .unreadable(reason: "no boolean success field")
        }
    }

    /// The refusal message in a non-2xx body, if it carries one.
    static func refusalMessage(in body: Data) -> String? {
        APIText.fields(body)?.message
    }
}
