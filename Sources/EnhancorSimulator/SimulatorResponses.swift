import HTTPTypes
import Hummingbird

/// The answers the simulator sends, well-formed and deliberately broken.
enum SimulatorResponses {
    /// Thrown from a response body to break the connection mid-answer.
    struct DroppedConnection: Error {}

    static func json(_ status: HTTPResponse.Status, _ body: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `{"success": false, "message": ...}`: the shape of every error answer.
    static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, SimulatorJSON.object([("success", .bool(false)), ("message", .string(message))]), headers: headers)
    }

    static func tooManyRequests(retryAfter: String, reason: String) -> Response {
        var headers = HTTPFields()
        headers[.retryAfter] = retryAfter
        return error(.tooManyRequests, "rate limit exceeded: \(reason)", headers: headers)
    }

    /// A random server error: 500 as JSON, 502 as a proxy's HTML page, or 503 as plain text.
    static func serverError(code: Int) -> Response {
        switch code {
        case 502:
            return Response(
                status: .badGateway, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>502 Bad Gateway</h1></body></html>\n")))
        case 503:
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "upstream temporarily unavailable\n")))
        default:
            return error(.internalServerError, "internal server error")
        }
    }

    /// A 200 whose head goes out and whose body breaks off: the client sees an error after the
    /// request was accepted, as with a connection lost mid-answer.
    static func dropped(partialBody: String) -> Response {
        let partial = String(partialBody.prefix(max(1, partialBody.count / 2)))
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: partial))
                throw DroppedConnection()
            })
    }

    /// The ways a 200 answer can be malformed.
    enum Malformation: CaseIterable, Sendable {
        case truncatedJSON
        case html
        case wrongTypes
    }

    /// A 200 carrying `valid` broken as `kind`; `wrongTypes` is the answer to send for that case.
    static func malformed(_ kind: Malformation, valid: String, wrongTypes: String) -> Response {
        switch kind {
        case .truncatedJSON:
            return json(.ok, String(valid.prefix(max(1, valid.count / 2))))
        case .html:
            return Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><html><body>Please wait...</body></html>\n")))
        case .wrongTypes:
            return json(.ok, wrongTypes)
        }
    }
}
