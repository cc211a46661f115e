import Hummingbird

/// One responder type for the server whether or not metrics are on (Hummingbird's
/// `Application` is generic over its responder).
struct AnyWebhookResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    private let body: @Sendable (Request, Context) async throws -> Response

    init<Inner: HTTPResponder>(_ inner: Inner) where Inner.Context == BasicRequestContext {
        body = { request, context in try await inner.respond(to: request, context: context) }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        try await body(request, context)
    }
}
