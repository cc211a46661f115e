import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Answers every HTTP request of the simulator: the API under `/api/upscaler/v1`, the result
/// images, and the admin endpoints.
///
/// A hand-written responder rather than a `Router`, so that every request under the API base
/// path (unknown ones included) passes the same gate: counting, latency, outage, auth, limits
/// and random server errors, in that order.
struct SimulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    /// The API's base path, as on the vendor's page.
    static let basePath = "/api/upscaler/v1"

    let state: SimulatorState
    let webhooks: WebhookDispatcher

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == Self.basePath || path.hasPrefix(Self.basePath + "/") {
            return await api(request, path: path, logger: context.logger)
        }
        switch (request.method, path) {
        case (.get, "/__admin/health"):
            return SimulatorResponses.json(.ok, SimulatorJSON.object([("status", .string("ok"))]))
        case (.get, "/__admin/ledger"):
            return try ledgerResponse()
        case (.post, "/__admin/forget"):
            return await forgetResponse(request)
        case (.get, _) where path.hasPrefix("/results/") && path.hasSuffix(".png"):
            return resultImage(path: path)
        default:
            return SimulatorResponses.error(.notFound, "not found")
        }
    }

    // MARK: The API gate

    private func api(_ request: Request, path: String, logger: Logger) async -> Response {
        let endpoint: String
        switch path {
        case Self.basePath + "/queue": endpoint = "queue"
        case Self.basePath + "/status": endpoint = "status"
        default: endpoint = "other"
        }
        let inFlight = state.beginAPIRequest()
        let (response, code) = await gatedAnswer(request, endpoint: endpoint, inFlight: inFlight)
        let latency = state.configuration.latencySeconds
        if latency > 0 {
            try? await Task.sleep(for: .seconds(latency))
        }
        state.endAPIRequest(endpoint: endpoint, code: code ?? String(response.status.code))
        logger.debug(
            "simulated API answer",
            metadata: ["api.endpoint": .string(endpoint), "api.status": .string(code ?? String(response.status.code))])
        return response
    }

    /// The answer, and the ledger's code for it when that is not the HTTP status ("dropped").
    private func gatedAnswer(_ request: Request, endpoint: String, inFlight: Int) async -> (Response, String?) {
        let config = state.configuration
        if state.isInOutage(at: .now) {
            return (SimulatorResponses.error(.serviceUnavailable, "service unavailable (simulated outage)"), nil)
        }
        guard request.headers[.apiKey] == config.apiKey else {
            return (SimulatorResponses.error(.unauthorized, "invalid or missing API key"), nil)
        }
        if let limit = config.concurrencyLimit, inFlight > limit {
            return (
                SimulatorResponses.tooManyRequests(retryAfter: config.retryAfter, reason: "too many concurrent requests"), nil
            )
        }
        if state.takeRateLimitedRequest() || !state.takeRateToken(at: .now) {
            return (
                SimulatorResponses.tooManyRequests(retryAfter: config.retryAfter, reason: "too many requests per second"), nil
            )
        }
        if state.chance(config.serverErrorRate) {
            return (SimulatorResponses.serverError(code: state.randomElement([500, 502, 503])), nil)
        }
        guard endpoint != "other" else {
            return (SimulatorResponses.error(.notFound, "unknown endpoint"), nil)
        }
        guard request.method == .post else {
            return (SimulatorResponses.error(.methodNotAllowed, "use POST"), nil)
        }
        let body: [UInt8]
        do {
            var buffer = try await request.body.collect(upTo: 1 << 20)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            return (SimulatorResponses.error(.contentTooLarge, "request body over 1 MiB"), nil)
        }
        return endpoint == "queue" ? queue(body) : (status(body), nil)
    }

    // MARK: Results and admin

    private func resultImage(path: String) -> Response {
        let name = path.dropFirst("/results/".count).dropLast(".png".count)
        guard let job = state.job(String(name)), job.status(at: .now) == "COMPLETED" else {
            return SimulatorResponses.error(.notFound, "no such result")
        }
        state.recordResultDownload()
        return Response(
            status: .ok, headers: [.contentType: "image/png"],
            body: .init(byteBuffer: ByteBuffer(bytes: ResultImage.png)))
    }

    /// `{"request_ids": ["..."]}` forgets those request ids; `{}` forgets every one.
    private func forgetResponse(_ request: Request) async -> Response {
        let body = (try? await request.body.collect(upTo: 1 << 20)).map { Array($0.readableBytesView) } ?? []
        let object = SimulatorJSON.parseObject(body) ?? [:]
        let ids = (object["request_ids"] as? [Any]).map { $0.compactMap { $0 as? String } }
        let forgotten = state.forget(ids)
        return SimulatorResponses.json(.ok, SimulatorJSON.object([("forgotten", .int(forgotten))]))
    }

    private func ledgerResponse() throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state.ledger())
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    /// The API's key header.
    static let apiKey = HTTPField.Name("x-api-key")!
}
