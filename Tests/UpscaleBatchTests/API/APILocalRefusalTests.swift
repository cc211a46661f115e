import AsyncHTTPClient
import EnhancorSimulator
import Foundation
import Logging
import TestSupport
import Testing

@testable import UpscaleBatch

/// A request the HTTP client refuses to send (a header value it will not put on the wire) is a
/// configuration error, never an ambiguous submission, and no error text carries the value.
@Suite(.bounded) struct APILocalRefusalTests {
    static let secret = "hdr-SECRET-5f1c9a"

    @Test func aHeaderRefusedLocallyIsNotASubmissionInDoubt() {
        let error = HTTPClientError.invalidHeaderFieldValues(["sk-\(Self.secret)\n"])
        #expect(
            TransportFailure(error, headSent: false) == .refusedLocally(detail: "HTTPClientError: Invalid header field values"))
        let verdict: AttemptVerdict<String> = EnhancorHTTPClient.transportVerdict(error, headSent: false, endpoint: .queue)
        guard case .final(.configuration(let detail), _) = verdict else {
            Issue.record("expected a configuration error, got \(verdict)")
            return
        }
        #expect(!detail.contains(Self.secret))
        #expect(detail.contains("nothing reached the API"))
    }

    @Test func transportDescriptionsAreBuiltFromSafeParts() {
        for error: any Error in [
            HTTPClientError.invalidHeaderFieldValues([Self.secret]), HTTPClientError.invalidHeaderFieldNames([Self.secret]),
            HTTPClientError.unsupportedScheme(Self.secret), SomeError(text: Self.secret),
        ] {
            #expect(!TransportFailure.describe(error).contains(Self.secret), "\(TransportFailure.describe(error))")
        }
        #expect(TransportFailure.describe(HTTPClientError.readTimeout) == "HTTPClientError: Read timeout")
    }

    /// Through a real client against the simulator: a User-Agent with a line break is refused by
    /// AsyncHTTPClient on every attempt; the submission fails once, as a configuration error, and
    /// nothing reaches the API.
    @Test func aRefusedRequestFailsOnceAndReachesNothing() async throws {
        try await APISimulatorHarness.with(client: { $0.userAgent = "upscale-batch\n\(Self.secret)" }) { client, server in
            let result = await APISimulatorHarness.result {
                try await client.submit(
                    imageURL: "https://img.example/a.jpg", webhookURL: APISimulatorHarness.webhookURL, mode: .fast)
            }
            guard case .failure(.configuration(let detail)) = result else {
                Issue.record("expected a configuration error, got \(result)")
                return
            }
            #expect(!detail.contains(Self.secret))
            #expect(client.counters.ambiguous == 0)
            #expect(server.ledger().totalRequests == 0, "nothing reached the API")
        }
    }

    @Test func theClientRefusesAKeyThatCannotBeAHeader() {
        for (key, expected) in [
            ("sk-\(Self.secret)\n", "a line break (LF) at position \(Self.secret.count + 4)"),
            ("sk \(Self.secret)", "a space at position 3"),
            ("\u{FEFF}sk", "a byte order mark (U+FEFF) at position 1"), ("sk-é", "a non-ASCII character at position 4"),
        ] {
            do {
                _ = try EnhancorHTTPClient(
                    configuration: .init(baseURL: "http://127.0.0.1:9/v1", apiKey: key, environment: [:]),
                    logger: Logger(label: "test"))
                Issue.record("a key with \(expected) must be refused")
            } catch {
                #expect(error.description.contains(expected), "\(error.description)")
                #expect(!error.description.contains(Self.secret))
            }
        }
    }

    struct SomeError: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}
