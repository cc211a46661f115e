import Foundation

/// Reads a `/status` answer tolerantly, so that the API may add to it: unknown fields are ignored, an
/// unknown `status` value yields `state == nil` (still in flight), a `cost` of the wrong type
/// counts as absent. Only an answer without a string `status` is unreadable.
enum StatusAnswerReader {
    /// The answer, or why it is unreadable.
    static func read(_ body: Data) -> Result<StatusAnswer, StatusAnswerReader.Unreadable> {
        guard let fields = APIText.fields(body) else { return .failure(Unreadable(reason: "not a JSON object")) }
        guard let raw = fields.status else { return .failure(Unreadable(reason: "no string status field")) }
        let normalized = raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        return .success(
            StatusAnswer(
                state: JobState(rawValue: normalized), rawStatus: APIText.cut(raw, to: 100), cost: fields.cost,
                resultURL: fields.resultURL, error: fields.message))
    }

    /// Why an answer could not be read.
    struct Unreadable: Error, Sendable, Equatable {
        var reason: String
    }
}
