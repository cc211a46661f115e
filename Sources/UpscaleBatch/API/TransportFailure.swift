import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request that ended without an answer, judged by whether the server can have acted on it.
///
/// The rule (it decides between a safe retry and a possible duplicate charge):
/// - `notSent`: the request head was never written to a connection AND the error belongs to
///   connection set-up (connection refused, connect timeout, DNS, TLS or proxy handshake,
///   no connection from the pool). The server cannot have seen the request: retry it.
/// - `maybeSent`: everything else: the head was written (the delegate saw it go out), or the
///   error may come after sending (read timeout, deadline, connection closed or reset). When
///   unsure we choose this side: for /queue it means "ambiguous", never a silent duplicate.
///   (A pooled keep-alive connection closed by the server just as we reuse it lands here too:
///   a false "ambiguous", which costs a resubmission flagged as a possible duplicate.)
/// - `cancelled`: the client was shut down before the request went out.
/// - `refusedLocally`: AsyncHTTPClient refused to build the request at all (a header value it
///   will not send, a URL it cannot use). Nothing left the process, and every retry would be
///   refused the same way: a configuration error, never an ambiguous submission.
enum TransportFailure: Sendable, Equatable {
    case notSent(detail: String)
    case refusedLocally(detail: String)
    case maybeSent(detail: String)
    case cancelled
    /// The server's TLS certificate failed verification: no retry can help, only configuration
    /// (`--ca-file`, the system trust store, the base URL's host name).
    case untrusted(detail: String)

    init(_ error: any Error, headSent: Bool) {
        let detail = Self.describe(error)
        if Self.isCertificateRejection(error) {
            self = .untrusted(detail: detail)
        } else if headSent {
            self = .maybeSent(detail: detail)
        } else if Self.isLocalRefusal(error) {
            self = .refusedLocally(detail: detail)
        } else if Self.isCancellation(error) {
            self = .cancelled
        } else if Self.isConnectPhase(error) {
            self = .notSent(detail: detail)
        } else {
            self = .maybeSent(detail: detail)
        }
    }

    /// A short, bounded description built from known-safe parts only: it goes into logs and into
    /// `jobs.error`, so it must never carry a header value (the key). AsyncHTTPClient's own
    /// `description` does (`invalidHeaderFieldValues([...])` lists the refused values), so its
    /// errors are named by `shortDescription`, which has no associated values. NIO's connection,
    /// socket and TLS errors name only addresses, errno values and TLS reasons. Anything else is
    /// named by its type alone.
    static func describe(_ error: any Error) -> String {
        let text: String
        switch error {
        case let error as HTTPClientError:
            text = "HTTPClientError: \(error.shortDescription)"
        case is IOError, is NIOConnectionError, is ChannelError, is NIOSSLError, is NIOSSLExtraError:
            text = String(describing: error)
        default:
            text = String(reflecting: type(of: error))
        }
        return APIText.cut(text, to: 200)
    }

    /// Errors AsyncHTTPClient raises while validating a request, before any connection is used.
    /// Matched by `shortDescription` (the error's code without its associated values).
    static func isLocalRefusal(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return [
            "Invalid header field names", "Invalid header field values", "Invalid URL", "Empty host", "Empty scheme",
            "Unsupported scheme", "Missing socket path", "Trace request with body", "Body length mismatch",
            "Identity coding incorrectly present",
        ].contains(error.shortDescription)
    }

    /// A handshake that failed because the certificate did not verify (not a network fault).
    static func isCertificateRejection(_ error: any Error) -> Bool {
        guard let error = error as? NIOSSLError else { return false }
        switch error {
        case .unableToValidateCertificate, .noCertificateToValidate, .cannotMatchULabel:
            return true
        case .handshakeFailed:
            return String(describing: error).contains("CERTIFICATE_VERIFY_FAILED")
        default:
            return false
        }
    }

    static func isCancellation(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return error == .cancelled || error == .alreadyShutdown
    }

    static func isConnectPhase(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError:
            // Happy-eyeballs connect failure or DNS failure: nothing was sent.
            return true
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        case let error as HTTPClientError:
            return [
                .connectTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout,
                .getConnectionFromPoolTimeout, .invalidProxyResponse, .proxyAuthenticationRequired,
            ].contains(error)
        case let error as IOError:
            // These errno values only arise from connect(2).
            return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(error.errnoCode)
        case let error as NIOSSLError:
            // A failed handshake happens before any request byte is written.
            switch error {
            case .handshakeFailed, .unableToValidateCertificate, .noCertificateToValidate, .cannotMatchULabel:
                return true
            default:
                return false
            }
        default:
            return false
        }
    }
}
