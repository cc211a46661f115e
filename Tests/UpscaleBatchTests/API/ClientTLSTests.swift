import Foundation
import TestSupport
import Testing

@testable import UpscaleBatch

/// The one CA-file loader behind the API client and the result downloads.
@Suite(.bounded) struct ClientTLSTests {
    @Test func noFileIsNoError() throws {
        _ = try ClientTLS.configuration(caFilePath: nil)
    }

    @Test func aMissingOrEmptyFileIsRefusedNamingIt() throws {
        let temporary = TemporaryDirectory()
        let missing = temporary.file("missing.pem")
        #expect(throws: ClientTLS.Failure.self) { try ClientTLS.configuration(caFilePath: missing) }
        do {
            _ = try ClientTLS.configuration(caFilePath: missing)
        } catch {
            #expect(error.message.hasPrefix("cannot read CA certificates from \(missing): "))
        }
        let empty = temporary.file("empty.pem")
        try Data().write(to: URL(fileURLWithPath: empty))
        do {
            _ = try ClientTLS.configuration(caFilePath: empty)
            Issue.record("a file with no certificate was accepted")
        } catch {
            // NIOSSL itself refuses a file without a certificate; either way the file is named.
            #expect(error.message.contains(empty))
        }
    }

    @Test func bothClientsReportTheSameWords() throws {
        let missing = TemporaryDirectory().file("missing.pem")
        var words = ""
        do { _ = try ClientTLS.configuration(caFilePath: missing) } catch { words = error.message }
        #expect(throws: DownloadSetupError(words)) {
            _ = try DownloadClients(connectionsPerHost: 1, caFilePath: missing, environment: [:])
        }
    }
}
