import Foundation
import Hummingbird
import Logging
import NIOCore
import UpscaleBatch

/// Answers every request the receiver gets: POST on any path is a webhook (the public URL may
/// sit behind a reverse proxy with a prefix), GET `/healthz` is the health check.
///
/// Our parameters are `ub_job` and `ub_token` (the user's own query string may carry a `job`
/// or `token` of its own); a webhook with neither reads the names earlier versions sent.
/// The rules (README, "Webhooks"), in this order: 401 for a missing or wrong token (before the body
/// is looked at, so an unauthenticated sender cannot make us read anything), 413 for a body
/// over 64 KiB (from Content-Length at once, else when the stream passes the cap; never more
/// than 64 KiB is held), 400 for a body that is not the documented JSON, 404 for an unknown
/// job, 409 for a job with no submission out, 503 when the store cannot record it now (so the sender retries: an unrecorded
/// webhook is never answered 200), 200 otherwise. The token, the secret and the query string
/// are never logged; Hummingbird gives each request's logger a request id (`hb.request.id`).
struct WebhookResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    /// The largest body accepted; the documented payload is a few hundred bytes.
    static let maxBodySize = 64 * 1024

    /// Records each webhook with those that arrive meanwhile (one commit for a group), bounding
    /// the wait for a store another process is writing before answering 503: the API's sender
    /// gives up long before the store's own minute.
    let commits: WebhookCommits
    let tokenCheck: TokenCheck
    let counters: WebhookCounters

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        switch request.method {
        case .post:
            return await receiveWebhook(request, logger: context.logger)
        case .get, .head:
            if path == "/healthz" || path.hasSuffix("/healthz") { return Self.text(.ok, "ok") }
            return Self.text(.notFound, "not found")
        default:
            var response = Self.text(.methodNotAllowed, "webhooks are POSTed")
            response.headers[.allow] = "POST"
            return response
        }
    }

    private func receiveWebhook(_ request: Request, logger: Logger) async -> Response {
        var logger = logger
        logger[metadataKey: "http.path"] = "\(request.uri.path)"
        let parameters = WebhookParameters(request.uri.queryParameters)
        guard tokenCheck.accepts(parameters.token) else {
            return refuse(.unauthorized, "missing or wrong token", logger: logger)
        }
        let jobID: Int64?
        if let jobText = parameters.job {
            guard let id = Int64(jobText) else {
                return refuse(.badRequest, "the \(parameters.jobName) parameter is not a job id", logger: logger)
            }
            jobID = id
            logger[metadataKey: "job.id"] = "\(id)"
        } else {
            jobID = nil
        }

        let body: ByteBuffer
        switch await Self.collectBody(of: request) {
        case .tooLarge:
            logger.notice("webhook refused: body over \(Self.maxBodySize) bytes")
            var response = Self.text(.contentTooLarge, "body over \(Self.maxBodySize) bytes")
            // Ask the client to end the connection instead of sending us the rest.
            response.headers[.connection] = "close"
            return response
        case .failed:
            return refuse(.badRequest, "the body could not be read", logger: logger)
        case .complete(let buffer):
            body = buffer
        }

        let payload: WebhookPayload
        do {
            payload = try JSONDecoder().decode(WebhookPayload.self, from: Data(body.readableBytesView))
        } catch {
            return refuse(
                .badRequest, "expected JSON with string fields request_id, status and optional result", logger: logger)
        }
        guard !payload.requestID.isEmpty else {
            return refuse(.badRequest, "request_id is empty", logger: logger)
        }
        logger[metadataKey: "webhook.request_id"] = "\(payload.requestID)"
        logger[metadataKey: "webhook.status"] = "\(payload.status)"

        let outcome: WebhookOutcome
        let webhook = ReceivedWebhook(
            jobID: jobID, requestID: payload.requestID, status: payload.status, resultURL: payload.result)
        switch await commits.record(webhook) {
        case .success(let recorded):
            outcome = recorded
        case .failure(let error):
            logger.warning("webhook not recorded, answering 503 so the sender retries", metadata: ["error": "\(error)"])
            var response = Self.text(.serviceUnavailable, "the job store is busy; retry later")
            response.headers[.retryAfter] = "1"
            return response
        }
        switch outcome {
        case .unknownJob:
            return refuse(.notFound, "no job of this store has this request id or job id", logger: logger)
        case .noSubmission(let id):
            return refuse(
                .conflict, "job \(id) has no submission out (never submitted, or moved back by retry)", logger: logger)
        default:
            break
        }
        counters.accept()
        if let id = outcome.jobID { logger[metadataKey: "job.id"] = "\(id)" }
        logger.debug("webhook recorded", metadata: ["webhook.outcome": "\(outcome)"])
        return Self.text(.ok, "ok")
    }

    /// Answers a refusal: counted for the run's summary and logged at warning level
    /// (rate-limited), so a misconfigured proxy or store shows instead of hiding behind polls.
    private func refuse(_ status: HTTPResponse.Status, _ reason: String, logger: Logger) -> Response {
        counters.refuse(status: status.code, reason: reason, logger: logger)
        return Self.text(status, reason)
    }

    private enum BodyResult {
        case complete(ByteBuffer)
        case tooLarge
        case failed
    }

    /// Reads the body, but never more than `maxBodySize` bytes of it.
    private static func collectBody(of request: Request) async -> BodyResult {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBodySize {
            return .tooLarge
        }
        var collected = ByteBuffer()
        do {
            for try await part in request.body {
                guard collected.readableBytes + part.readableBytes <= maxBodySize else { return .tooLarge }
                var part = part
                collected.writeBuffer(&part)
            }
        } catch {
            return .failed
        }
        return .complete(collected)
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: message)))
    }
}
