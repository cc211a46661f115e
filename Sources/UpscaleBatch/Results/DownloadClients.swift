import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// The HTTP clients results are fetched with: normally one shared `HTTPClient` (a direct
/// connection), plus one per proxy when `HTTPS_PROXY` / `HTTP_PROXY` apply to some result
/// hosts and not others (`NO_PROXY`), since an AsyncHTTPClient has one proxy for all requests.
///
/// Each client keeps at most `connectionsPerHost` connections per host (the download
/// concurrency), follows no redirects itself (the downloader follows them and checks each
/// hop's scheme), and never decompresses (the bytes on disk are the bytes served).
final class DownloadClients: Sendable {
    private let connectionsPerHost: Int
    private let tls: TLSConfiguration
    private let environment: [String: String]
    private let clients = Mutex<[(proxy: ProxySettings?, client: HTTPClient)]>([])
    private let closed = Mutex(false)

    init(connectionsPerHost: Int, caFilePath: String?, environment: [String: String]) throws(DownloadSetupError) {
        do {
            self.tls = try ClientTLS.configuration(caFilePath: caFilePath)
        } catch {
            throw DownloadSetupError(error.message)
        }
        self.connectionsPerHost = max(1, connectionsPerHost)
        self.environment = environment
    }

    /// The client for `url` (http or https, with a host), made on first use.
    func client(scheme: String, host: String) throws(DownloadFailure) -> HTTPClient {
        let proxy: ProxySettings?
        do {
            proxy = try ProxySettings.resolve(scheme: scheme, host: host, environment: environment)
        } catch {
            throw DownloadFailure("proxy setting unusable: \(error)", permanent: false)
        }
        return try clients.withLock { clients throws(DownloadFailure) in
            if closed.withLock({ $0 }) { throw DownloadFailure("downloads were shut down", permanent: false) }
            if let existing = clients.first(where: { $0.proxy == proxy }) { return existing.client }
            var settings = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(15), read: .seconds(60)),
                proxy: proxy.map(EnhancorHTTPClient.ahcProxy), decompression: .disabled)
            settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
            clients.append((proxy, client))
            return client
        }
    }

    /// Shuts every client down; later `client` calls fail. Safe to call twice.
    func shutdown() async {
        let all = clients.withLock { clients in
            closed.withLock { $0 = true }
            defer { clients.removeAll() }
            return clients.map(\.client)
        }
        for client in all { try? await client.shutdown() }
    }
}
