import Foundation
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `upscale-batch webhook serve --listen 127.0.0.1:0` as a child process, with its port.
struct WebhookServeProcess {
    let running: RunningBinary
    let origin: String

    /// Starts it on the fixture's store and waits (60 s at most) for its "listening on" line.
    static func start(_ binary: BinaryRunner) async throws -> WebhookServeProcess {
        let running = try binary.start(["webhook", "serve", "--listen", "127.0.0.1:0"])
        do {
            let line = try await running.firstLine(startingWith: "listening on ", timeout: 60)
            return WebhookServeProcess(running: running, origin: String(line.dropFirst("listening on ".count)))
        } catch {
            running.signal(SIGKILL)
            throw StartFailure(stderr: running.result().stderr)
        }
    }

    struct StartFailure: Error { var stderr: String }

    /// SIGTERM, then its output.
    func stop() async -> BinaryRunner.Result {
        running.signal(SIGTERM)
        return await running.wait(timeout: 60)
    }
}

/// A small HTTP client for the tests: POSTs with curl-free Foundation (loopback only).
enum LoopbackHTTP {
    /// POSTs `json` to `url`; returns the status code and body text.
    static func post(_ url: String, json: String, headers: [String: String] = [:]) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = 60
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
