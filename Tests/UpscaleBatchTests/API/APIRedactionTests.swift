import Foundation
import Logging
import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct APIRedactionTests {
    static let key = "sk-live-SECRET-0123456789"

    @Test func configurationNeverPrintsTheKey() {
        let configuration = EnhancorClientConfiguration(
            baseURL: "https://user:pw@apireq.enhancor.ai/api/upscaler/v1", apiKey: Self.key,
            environment: ["HTTPS_PROXY": "http://proxyuser:proxypass@proxy:3128"])
        for text in [
            configuration.description, configuration.debugDescription, "\(configuration)", String(reflecting: configuration),
        ] {
            #expect(!text.contains(Self.key))
            #expect(!text.contains("proxypass"))
            #expect(!text.contains(":pw@"))
        }
    }

    @Test func errorsNeverCarryTheKey() {
        // A server that echoes the key back must not get it into an error.
        let echo = CollectedResponse(status: 200, retryAfter: nil, body: Array("<html>\(Self.key)</html>".utf8), truncated: false)
        var errors: [EnhancorError] = []
        if case .final(let error, _) = EnhancorHTTPClient.queueVerdict(echo, apiKey: Self.key) { errors.append(error) }
        if case .retry(let error, _) = EnhancorHTTPClient.statusVerdict(echo, apiKey: Self.key) { errors.append(error) }
        let refused = CollectedResponse(status: 400, retryAfter: nil, body: Array("bad key \(Self.key)".utf8), truncated: false)
        if case .final(let error, _) = EnhancorHTTPClient.queueVerdict(refused, apiKey: Self.key) { errors.append(error) }
        #expect(errors.count == 3)
        for error in errors {
            #expect(!error.description.contains(Self.key))
            #expect(!String(reflecting: error).contains(Self.key) || error.description.contains("[REDACTED]"))
        }
    }

    @Test func clientSetUpErrorsDoNotCarryTheKey() {
        do {
            _ = try EnhancorHTTPClient(
                configuration: .init(baseURL: "ftp://x", apiKey: Self.key, environment: [:]), logger: Logger(label: "test"))
            Issue.record("an ftp base URL must be refused")
        } catch {
            #expect(!error.description.contains(Self.key))
        }
        do {
            _ = try EnhancorHTTPClient(
                configuration: .init(
                    baseURL: "https://127.0.0.1:1/v1", apiKey: Self.key, caFilePath: "/nonexistent/ca.pem", environment: [:]),
                logger: Logger(label: "test"))
            Issue.record("a missing CA file must be refused")
        } catch {
            #expect(!error.description.contains(Self.key))
            #expect(error.description.contains("/nonexistent/ca.pem"))
        }
    }
}
