import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// The real HTTPS path: the simulator serves TLS with a certificate it made at start, and the
/// run trusts it only through `--ca-file` (or ENHANCOR_CA_FILE).
@Suite(.serialized, .bounded) struct TLSEndToEndTests {
    @Test func runOverHTTPSTrustsTheSimulatorThroughCAFile() async throws {
        let caPath = NSTemporaryDirectory() + "upscale-batch-ca-\(UUID().uuidString).pem"
        defer { try? FileManager.default.removeItem(atPath: caPath) }
        let fixture = try await EndToEndFixture { config in
            config.tls = true
            config.tlsCAOutputPath = caPath
        }
        defer { Task { await fixture.shutdown() } }
        #expect(fixture.simulator.baseURL.hasPrefix("https://"))
        try await fixture.importJobs(5)

        let untrusted = try await fixture.run(["--poll-only"])
        #expect(untrusted.code == 2, "without the CA the certificate is refused at once: \(untrusted.stderr)")
        #expect(untrusted.stdout.contains("--ca-file"), "the summary says what to do: \(untrusted.stdout)")
        #expect(
            try fixture.jobs().allSatisfy { $0["state"] as String == "PENDING" && !($0["submitting"] as Bool) },
            "nothing failed and nothing is in doubt")
        #expect(fixture.simulator.ledger().submissionsByURL.isEmpty, "nothing reached the API over an untrusted connection")

        let trusted = try await fixture.run(["--poll-only", "--ca-file", caPath])
        #expect(trusted.code == 0, "\(trusted.stderr)")
        #expect(try fixture.jobs().allSatisfy { $0["state"] as String == "COMPLETED" })

        let fromEnvironment = try await fixture.binary.run(
            fixture.runArguments(["--poll-only"]),
            environment: fixture.apiEnvironment.merging(["ENHANCOR_CA_FILE": caPath]) { $1 })
        #expect(
            fromEnvironment.code == 0,
            "nothing left to do, and the CA from the environment is accepted: \(fromEnvironment.stderr)")
    }
}
