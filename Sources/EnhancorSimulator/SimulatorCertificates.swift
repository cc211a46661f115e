import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A throwaway certificate authority and a server certificate it signed, made at start.
///
/// Lets the simulator serve HTTPS on loopback so clients exercise their real TLS path (and
/// their `--ca-file` option) without any certificate files in the repository.
struct SimulatorCertificates {
    /// The CA certificate in PEM, for clients to trust.
    let caPEM: String
    /// The server's TLS configuration: the leaf certificate (for 127.0.0.1, ::1 and localhost)
    /// followed by the CA, and the leaf's key.
    let serverTLS: TLSConfiguration

    /// Makes a new P-256 CA and leaf, valid from an hour ago for 30 days.
    static func make() throws -> SimulatorCertificates {
        let now = Date()
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(30 * 24 * 3600)

        let caKey = P256.Signing.PrivateKey()
        let caPublicKey = Certificate.PublicKey(caKey.publicKey)
        let caName = try DistinguishedName {
            OrganizationName("upscale-batch")
            CommonName("Enhancor simulator CA")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: caName,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: caPublicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))

        let leafKey = P256.Signing.PrivateKey()
        let leafName = try DistinguishedName {
            OrganizationName("upscale-batch")
            CommonName("localhost")
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: Certificate.PublicKey(leafKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: caName, subject: leafName,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
                ])
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPublicKey).keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))

        let caPEM = try ca.serializeAsPEM().pemString
        let leafPEM = try leaf.serializeAsPEM().pemString
        let chain = try [leafPEM, caPEM].map { try NIOSSLCertificate(bytes: Array($0.utf8), format: .pem) }
        let key = try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        return SimulatorCertificates(caPEM: caPEM, serverTLS: tls)
    }
}
