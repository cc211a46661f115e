import Foundation

/// How each endpoint's HTTP answer is judged (README, "What happens when things go wrong").
extension EnhancorHTTPClient {
    /// Status codes every endpoint treats alike; nil when the endpoint must look at the body.
    static func commonVerdict<T>(_ response: CollectedResponse) -> AttemptVerdict<T>? {
        switch response.status {
        case 401, 403:
            return .final(.unauthorized(status: response.status), serverAnswered: true)
        case 429:
            return .rateLimited(retryAfter: response.retryAfter)
        case 408:
            // The server gave up waiting for our request: it did not process it.
            return .retry(.transient(detail: "HTTP 408"), countsTowardOutage: true)
        case 500...599:
            return .retry(.transient(detail: "HTTP \(response.status)"), countsTowardOutage: true)
        default:
            return nil
        }
    }

    /// /queue: only `{success: true, requestId: "..."}` in a 2xx is an acceptance; an
    /// unreadable 2xx is ambiguous (a request may exist); `success: false` is a refusal.
    static func queueVerdict(_ response: CollectedResponse, apiKey: String) -> AttemptVerdict<String> {
        if let common: AttemptVerdict<String> = commonVerdict(response) { return common }
        let body = Data(response.body)
        if (200...299).contains(response.status) {
            guard !response.truncated else {
                return .final(.ambiguous(detail: "HTTP \(response.status) with an oversized body"), serverAnswered: true)
            }
            switch QueueAnswer.read(body) {
            case .accepted(let requestID):
                return .success(requestID)
            case .refused(let message):
                return .final(.rejected(status: response.status, message: message), serverAnswered: true)
            case .unreadable(let reason):
                let excerpt = APIText.excerpt(body, redacting: apiKey)
                return .final(.ambiguous(detail: "HTTP \(response.status), \(reason): \(excerpt)"), serverAnswered: true)
            }
        }
        let message =
            QueueAnswer.refusalMessage(in: body) ?? "HTTP \(response.status): \(APIText.excerpt(body, redacting: apiKey))"
        return .final(.rejected(status: response.status, message: message), serverAnswered: true)
    }

    /// /status: a readable answer, or an unreadable 2xx retried (a status call is safe to
    /// repeat) and reported `malformed` when retries run out; other 4xx are refusals.
    static func statusVerdict(_ response: CollectedResponse, apiKey: String) -> AttemptVerdict<StatusAnswer> {
        if let common: AttemptVerdict<StatusAnswer> = commonVerdict(response) { return common }
        let body = Data(response.body)
        if (200...299).contains(response.status) {
            let unreadable: String
            if response.truncated {
                unreadable = "oversized body"
            } else {
                switch StatusAnswerReader.read(body) {
                case .success(let answer): return .success(answer)
                case .failure(let failure): unreadable = failure.reason
                }
            }
            let excerpt = "\(unreadable): \(APIText.excerpt(body, redacting: apiKey))"
            return .retry(
                .malformed(status: response.status, excerpt: APIText.cut(excerpt, to: APIText.excerptLimit)),
                countsTowardOutage: false)
        }
        let message =
            QueueAnswer.refusalMessage(in: body) ?? "HTTP \(response.status): \(APIText.excerpt(body, redacting: apiKey))"
        return .final(.rejected(status: response.status, message: message), serverAnswered: true)
    }
}
