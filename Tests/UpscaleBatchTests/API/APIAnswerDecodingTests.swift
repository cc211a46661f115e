import Foundation
import NIOCore
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct APIAnswerDecodingTests {
    private func data(_ text: String) -> Data { Data(text.utf8) }

    @Test func queueAcceptedOnlyWithBooleanTrueAndRequestID() {
        #expect(QueueAnswer.read(data(#"{"success": true, "requestId": "abc", "extra": 1}"#)) == .accepted(requestID: "abc"))
        for body in [
            #"{"success": "true", "requestId": "abc"}"#, #"{"success": 1, "requestId": "abc"}"#,
            #"{"success": true}"#, #"{"success": true, "requestId": ""}"#, #"{"success": true, "requestId": 42}"#,
            #"{"requestId": "abc"}"#, "[1,2]", "<html>oops</html>", #"{"success": true, "requestId": "ab"#, "",
        ] {
            guard case .unreadable = QueueAnswer.read(data(body)) else {
                Issue.record("should be unreadable: \(body)")
                continue
            }
        }
    }

    @Test func queueRefusalKeepsTheMessageCut() {
        #expect(
            QueueAnswer.read(data(#"{"success": false, "message": "insufficient credits"}"#))
                == .refused(message: "insufficient credits"))
        #expect(QueueAnswer.read(data(#"{"success": false, "error": "bad url"}"#)) == .refused(message: "bad url"))
        #expect(QueueAnswer.read(data(#"{"success": false, "reason": "nope"}"#)) == .refused(message: "nope"))
        #expect(QueueAnswer.read(data(#"{"success": false}"#)) == .refused(message: "refused without a message"))
        let long = String(repeating: "x", count: 2000)
        guard case .refused(let message) = QueueAnswer.read(data(#"{"success": false, "message": "\#(long)"}"#)) else {
            Issue.record("not a refusal")
            return
        }
        #expect(message.count <= 501)
    }

    @Test func statusTolerantReader() throws {
        let answer = try StatusAnswerReader.read(
            data(
                #"{"requestId": "r", "status": "COMPLETED", "cost": 480, "result": "https://x/y.png", "thumb": "t"}"#)
        ).get()
        #expect(answer == StatusAnswer(state: .completed, rawStatus: "COMPLETED", cost: 480, resultURL: "https://x/y.png"))

        let alt = try StatusAnswerReader.read(data(#"{"status": "IN_QUEUE", "cost": 240.0, "result_url": "u"}"#)).get()
        #expect(alt.state == .inQueue && alt.cost == 240 && alt.resultURL == "u")

        let unknown = try StatusAnswerReader.read(data(#"{"status": "THROTTLED", "cost": "480"}"#)).get()
        #expect(unknown.state == nil && unknown.rawStatus == "THROTTLED" && unknown.cost == nil)

        let fractional = try StatusAnswerReader.read(data(#"{"status": "PENDING", "cost": 1.5}"#)).get()
        #expect(fractional.cost == nil)

        let failed = try StatusAnswerReader.read(data(#"{"status": "FAILED", "cost": 480, "error": "download failed"}"#)).get()
        #expect(failed.state == .failed && failed.error == "download failed")

        let costTrue = try StatusAnswerReader.read(data(#"{"status": "PENDING", "cost": true}"#)).get()
        #expect(costTrue.cost == nil)
    }

    @Test func statusUnreadable() {
        for body in ["<html></html>", #"{"status": 3}"#, #"{"cost": 3}"#, #"{"status": "IN_QU"#, "null", "[]"] {
            guard case .failure = StatusAnswerReader.read(data(body)) else {
                Issue.record("should be unreadable: \(body)")
                continue
            }
        }
    }

    private func response(_ status: Int, _ body: String, retryAfter: String? = nil) -> CollectedResponse {
        CollectedResponse(status: status, retryAfter: retryAfter, body: Array(body.utf8), truncated: false)
    }

    @Test func queueVerdicts() {
        func kind(_ verdict: AttemptVerdict<String>) -> String {
            switch verdict {
            case .success(let id): "success \(id)"
            case .final(let error, _): "final \(error)"
            case .retry(let error, _): "retry \(error)"
            case .rateLimited(let header): "429 \(header ?? "-")"
            }
        }
        let key = "k"
        #expect(
            kind(EnhancorHTTPClient.queueVerdict(response(200, #"{"success":true,"requestId":"r1"}"#), apiKey: key))
                == "success r1")
        #expect(kind(EnhancorHTTPClient.queueVerdict(response(401, ""), apiKey: key)).hasPrefix("final the API refused the key"))
        #expect(kind(EnhancorHTTPClient.queueVerdict(response(403, ""), apiKey: key)).hasPrefix("final the API refused the key"))
        #expect(
            kind(EnhancorHTTPClient.queueVerdict(response(402, #"{"success":false,"message":"no credits"}"#), apiKey: key))
                == "final the API refused the request (HTTP 402): no credits")
        #expect(kind(EnhancorHTTPClient.queueVerdict(response(503, "down"), apiKey: key)).hasPrefix("retry"))
        #expect(kind(EnhancorHTTPClient.queueVerdict(response(429, "", retryAfter: "3"), apiKey: key)) == "429 3")
        #expect(kind(EnhancorHTTPClient.queueVerdict(response(200, "<html>"), apiKey: key)).hasPrefix("final no readable answer"))
        #expect(
            kind(EnhancorHTTPClient.queueVerdict(response(200, #"{"success":false,"error":"bad"}"#), apiKey: key))
                == "final the API refused the request (HTTP 200): bad")
    }

    @Test func statusVerdicts() {
        if case .retry(.malformed(200, _), countsTowardOutage: false) = EnhancorHTTPClient.statusVerdict(
            response(200, "<html>"), apiKey: "k")
        {
        } else {
            Issue.record("an unreadable 2xx status answer is retried, then malformed")
        }
        if case .final(.rejected(404, "unknown request"), _) = EnhancorHTTPClient.statusVerdict(
            response(404, #"{"error":"unknown request"}"#), apiKey: "k")
        {
        } else {
            Issue.record("a 404 is a refusal with the API's message")
        }
    }

    @Test func requestBodiesAreValidJSON() throws {
        let body = RequestBody.queue(
            imageURL: "https://x/a\"b\\c\n.png?q=1&r=/", webhookURL: "https://h/w?job=1", mode: .professional)
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: String]
        #expect(
            object == ["img_url": "https://x/a\"b\\c\n.png?q=1&r=/", "webhookUrl": "https://h/w?job=1", "mode": "professional"])
        let status = RequestBody.status(requestID: "id\u{01}")
        let decoded = try JSONSerialization.jsonObject(with: Data(status.readableBytesView)) as? [String: String]
        #expect(decoded == ["request_id": "id\u{01}"])
    }
}
