import Dispatch
import Foundation
import Synchronization

@testable import UpscaleBatch

/// An in-memory API for runner tests where counts must be exact: answers after a short delay on
/// a concurrent queue, counts calls and the most in flight at once, and lets a test script
/// particular answers.
final class ScriptedClient: EnhancorClient {
    struct Ledger {
        var inFlight = 0
        var maxInFlight = 0
        var submissions: [String: Int] = [:]
        var statusCalls = 0
        var nextID = 0
        var pollsByRequest: [String: Int] = [:]
    }

    let ledger = Mutex(Ledger())
    let queue = DispatchQueue(label: "scripted-client", attributes: .concurrent)
    let delay: Double
    /// Decides a submission's answer from the image URL; nil means the normal acceptance.
    let submitScript: @Sendable (String, Int) -> EnhancorError?
    /// The state a status answer reports, from the number of earlier polls of that request.
    let statusScript: @Sendable (Int) -> JobState

    init(
        delay: Double = 0.002,
        submitScript: @escaping @Sendable (String, Int) -> EnhancorError? = { _, _ in nil },
        statusScript: @escaping @Sendable (Int) -> JobState = { _ in .completed }
    ) {
        self.delay = delay
        self.submitScript = submitScript
        self.statusScript = statusScript
    }

    func submit(
        imageURL: String, webhookURL: String, mode: Mode, completion: @escaping @Sendable (Result<String, EnhancorError>) -> Void
    ) {
        let (attempt, requestID) = ledger.withLock { ledger in
            ledger.inFlight += 1
            ledger.maxInFlight = max(ledger.maxInFlight, ledger.inFlight)
            ledger.submissions[imageURL, default: 0] += 1
            ledger.nextID += 1
            return (ledger.submissions[imageURL]!, "req-\(ledger.nextID)")
        }
        queue.asyncAfter(deadline: .now() + delay) {
            self.ledger.withLock { $0.inFlight -= 1 }
            if let error = self.submitScript(imageURL, attempt) {
                completion(.failure(error))
            } else {
                completion(.success(requestID))
            }
        }
    }

    func status(requestID: String, completion: @escaping @Sendable (Result<StatusAnswer, EnhancorError>) -> Void) {
        let polls = ledger.withLock { ledger in
            ledger.inFlight += 1
            ledger.maxInFlight = max(ledger.maxInFlight, ledger.inFlight)
            ledger.statusCalls += 1
            defer { ledger.pollsByRequest[requestID, default: 0] += 1 }
            return ledger.pollsByRequest[requestID, default: 0]
        }
        queue.asyncAfter(deadline: .now() + delay) {
            self.ledger.withLock { $0.inFlight -= 1 }
            let state = self.statusScript(polls)
            completion(
                .success(
                    StatusAnswer(
                        state: state, rawStatus: state.rawValue, cost: 100,
                        resultURL: state == .completed ? "https://results.example/\(requestID).png" : nil,
                        error: state == .failed ? "could not process" : nil)))
        }
    }
}
