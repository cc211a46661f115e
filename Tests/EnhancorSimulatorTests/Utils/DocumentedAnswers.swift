import Foundation

/// The documented answer shapes, decoded strictly (no type coercion), to tell whether an
/// answer is one a client could read.
enum DocumentedAnswers {
    struct Queue: Decodable {
        let success: Bool
        let requestId: String
    }

    struct Status: Decodable {
        let requestId: String
        let status: String
        let cost: Int
    }

    static func isQueueAnswer(_ body: [UInt8]) -> Bool {
        guard let answer = try? JSONDecoder().decode(Queue.self, from: Data(body)) else { return false }
        return answer.success && !answer.requestId.isEmpty
    }

    static func isStatusAnswer(_ body: [UInt8]) -> Bool {
        (try? JSONDecoder().decode(Status.self, from: Data(body))) != nil
    }
}
