import NIOSSL

/// The TLS configuration of every outgoing client (the API client and the result downloads):
/// the system's trust roots plus, when given, the CA certificates of a PEM file (`caFilePath`,
/// for a private CA or a TLS-inspecting proxy). One loader, so both read a CA file alike and
/// refuse it with the same words.
enum ClientTLS {
    /// Why the CA file could not be used, worded for the user (never holds the file's bytes).
    struct Failure: Error, Sendable {
        var message: String
    }

    static func configuration(caFilePath: String?) throws(Failure) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFilePath {
            tls.additionalTrustRoots = [.certificates(try certificates(inPEMFile: caFilePath))]
        }
        return tls
    }

    /// The certificates in `path`; a file that holds none is an error, not an empty trust list.
    static func certificates(inPEMFile path: String) throws(Failure) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw Failure(message: "cannot read CA certificates from \(path): \(TransportFailure.describe(error))")
        }
        guard !certificates.isEmpty else { throw Failure(message: "no PEM certificate in \(path)") }
        return certificates
    }
}
