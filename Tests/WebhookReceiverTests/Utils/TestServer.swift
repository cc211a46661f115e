import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import UpscaleBatch
import WebhookReceiver

/// A live `WebhookServer` on 127.0.0.1 (OS-picked port) and an HTTP client to talk to it.
struct TestServer {
    let server: WebhookServer
    let client: HTTPClient
    let secret: String

    /// Starts a server on `store`, runs `body`, then stops both server and client.
    static func with<T>(
        store: SQLiteJobStore, busyTimeout: TimeInterval = WebhookServer.defaultBusyTimeout,
        requestDeadline: TimeInterval = WebhookServer.defaultRequestDeadline,
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "webhook-tests")
        logger.logLevel = .critical
        let server = try await WebhookServer.start(
            store: store, host: "127.0.0.1", port: 0, logger: logger, busyTimeout: busyTimeout,
            requestDeadline: requestDeadline)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let test = TestServer(server: server, client: client, secret: try await store.webhookSecret())
        do {
            let result = try await body(test)
            try await client.shutdown()
            await server.stop()
            return result
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
    }

    /// The query a job's callback URL carries (`legacy`: the names earlier versions sent).
    func query(job: Int64?, token: String? = nil, legacy: Bool = false) -> String {
        var items: [String] = []
        if let job { items.append("\(legacy ? "job" : "ub_job")=\(job)") }
        items.append("\(legacy ? "token" : "ub_token")=\(token ?? secret)")
        return items.joined(separator: "&")
    }

    /// POSTs `body` to `pathAndQuery`; returns the status code and the answer's text.
    func post(_ pathAndQuery: String, body: HTTPClientRequest.Body) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(pathAndQuery)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = body
        return try await send(request)
    }

    func post(_ pathAndQuery: String, json: String) async throws -> (status: Int, text: String) {
        try await post(pathAndQuery, body: .bytes(ByteBuffer(string: json)))
    }

    /// POSTs the documented payload for `requestID` to the callback URL of `job`.
    func deliver(
        job: Int64?, requestID: String, status: String = "success",
        result: String? = "https://cdn.test/out.png", path: String = "/webhook", legacy: Bool = false
    ) async throws -> Int {
        var fields = ["\"request_id\": \"\(requestID)\"", "\"status\": \"\(status)\""]
        if let result { fields.append("\"result\": \"\(result)\"") }
        return try await post("\(path)?\(query(job: job, legacy: legacy))", json: "{\(fields.joined(separator: ", "))}").status
    }

    func get(_ path: String) async throws -> (status: Int, text: String) {
        try await send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(path)"))
    }

    private func send(_ request: HTTPClientRequest) async throws -> (status: Int, text: String) {
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        return (Int(response.status.code), String(buffer: body))
    }
}
