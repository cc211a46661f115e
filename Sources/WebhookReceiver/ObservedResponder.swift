import Hummingbird
import NIOCore
import UpscaleBatch

/// Wraps the webhook responder: answers `GET /metrics` itself, and counts every webhook
/// (POST) by the status it was answered with. The webhook rules stay in `WebhookResponder`.
struct ObservedResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BasicRequestContext {
    typealias Context = BasicRequestContext

    let inner: Inner
    let observability: WebhookObservability

    func respond(to request: Request, context: Context) async throws -> Response {
        if request.method == .get || request.method == .head, request.uri.path == "/metrics" {
            let text = await observability.metricsText()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: request.method == .head ? "" : text)))
        }
        let response = try await inner.respond(to: request, context: context)
        if request.method == .post {
            observability.metrics.webhookReceived(outcome: WebhookObservability.outcome(status: response.status.code))
        }
        return response
    }
}
