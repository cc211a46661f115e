import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches one result URL into the output directory: follows up to `maxRedirects` redirects
/// (http/https only, checked at every hop), refuses what is not an image (Content-Type
/// `image/*` AND PNG/JPEG/WebP/GIF magic bytes) or is over `maxBytes` (from Content-Length
/// before reading, else while streaming: the transfer stops as soon as the limit passes and
/// the partial file is deleted), streams the body through SHA-256 into the locked `.partial`
/// file, then fsyncs and renames it. The store is not touched here.
struct ResultFetch {
    static let maxRedirects = 5
    /// Bytes gathered before each write to disk.
    static let writeChunk = 256 * 1024
    /// Bound on the whole transfer of one result, so a server trickling bytes cannot hold a slot forever.
    static let transferTimeout: TimeAmount = .minutes(10)

    let clients: DownloadClients
    let directory: String
    let maxBytes: Int64
    /// How the caller gives a setting (the executable: its flag), for the failure's words.
    var naming: @Sendable (RunSetting) -> String? = { _ in nil }

    /// The kept file, nil when another process holds this job's partial file.
    func fetch(_ job: PendingDownload) async throws(DownloadFailure) -> DownloadedFile? {
        let stem = ResultFileName.stem(jobID: job.jobID, sourceURL: job.sourceURL)
        guard let file = try await PartialFile.open(directory: directory, stem: stem) else { return nil }
        do {
            let response = try await follow(job.resultURL)
            let (kind, bytes, sha256) = try await stream(response, into: file)
            let path = try await file.commit(finalName: stem + "." + kind.fileExtension)
            return DownloadedFile(path: path, bytes: bytes, sha256: sha256)
        } catch {
            await file.discard()
            throw error
        }
    }

    /// GETs `url`, following redirects; returns the final 200 answer (its body unread).
    private func follow(_ start: String) async throws(DownloadFailure) -> HTTPClientResponse {
        var current = start
        for _ in 0...Self.maxRedirects {
            let (scheme, host) = try Self.checkedTarget(current)
            let client = try clients.client(scheme: scheme, host: host)
            var request = HTTPClientRequest(url: current)
            request.headers.add(name: "User-Agent", value: "upscale-batch/\(UpscaleBatchVersion.current)")
            request.headers.add(name: "Accept", value: "image/*")
            request.headers.add(name: "Accept-Encoding", value: "identity")
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: Self.transferTimeout)
            } catch {
                throw DownloadFailure("cannot fetch the result: \(TransportFailure.describe(error))", permanent: false)
            }
            let code = Int(response.status.code)
            if code == 200 { return response }
            await Self.drain(response)
            if [301, 302, 303, 307, 308].contains(code) {
                guard let location = response.headers.first(name: "location"),
                    let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString
                else { throw DownloadFailure("HTTP \(code) redirect without a usable Location", permanent: true) }
                current = next
                continue
            }
            throw DownloadFailure.httpStatus(code)
        }
        throw DownloadFailure("more than \(Self.maxRedirects) redirects", permanent: true)
    }

    /// Streams the body into `file`, checking type, signature and size as it goes.
    private func stream(
        _ response: HTTPClientResponse, into file: PartialFile
    ) async throws(DownloadFailure) -> (ImageKind, Int64, String) {
        let contentType = response.headers.first(name: "content-type") ?? ""
        guard contentType.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("image/") else {
            throw DownloadFailure(
                "not an image: Content-Type \(contentType.isEmpty ? "missing" : "'\(contentType.prefix(80))'")",
                permanent: true)
        }
        if let length = response.headers.first(name: "content-length").flatMap({ Int64($0) }), length > maxBytes {
            throw overLimit()
        }
        var hasher = SHA256()
        var total: Int64 = 0
        var head: [UInt8] = []
        var kind: ImageKind?
        var pending = ByteBuffer()
        do {
            for try await chunk in response.body {
                total += Int64(chunk.readableBytes)
                if total > maxBytes { throw overLimit() }
                if kind == nil {
                    head.append(contentsOf: chunk.readableBytesView.prefix(ImageKind.signatureLength - head.count))
                    if head.count >= ImageKind.signatureLength { kind = try Self.kind(of: head) }
                }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                var chunk = chunk
                pending.writeBuffer(&chunk)
                if pending.readableBytes >= Self.writeChunk {
                    try await file.write(pending)
                    pending.clear()
                }
            }
        } catch let failure as DownloadFailure {
            throw failure
        } catch {
            throw DownloadFailure(
                "the result's transfer broke off after \(total) bytes: \(TransportFailure.describe(error))", permanent: false)
        }
        let found: ImageKind
        if let kind { found = kind } else { found = try Self.kind(of: head) }
        try await file.write(pending)
        let digest = hasher.finalize().map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        return (found, total, digest)
    }

    private func overLimit() -> DownloadFailure {
        DownloadFailure(
            "the result is larger than the limit of \(maxBytes) bytes" + (naming(.maxBytes).map { " (\($0))" } ?? ""),
            permanent: true)
    }

    private static func kind(of head: [UInt8]) throws(DownloadFailure) -> ImageKind {
        guard let kind = ImageKind(leadingBytes: head) else {
            throw DownloadFailure("not an image: the bytes are not PNG, JPEG, WebP or GIF", permanent: true)
        }
        return kind
    }

    /// Scheme and host of an http(s) URL with a host, or a permanent failure.
    static func checkedTarget(_ url: String) throws(DownloadFailure) -> (scheme: String, host: String) {
        guard let target = HTTPURL.target(of: url) else {
            let scheme = URLComponents(string: url)?.scheme.map { "'\($0)'" } ?? "none"
            throw DownloadFailure("the result URL is not an absolute http(s) URL (scheme \(scheme))", permanent: true)
        }
        return target
    }

    /// Reads a small error or redirect body so the connection can be reused; a large one is
    /// abandoned (its connection closed).
    private static func drain(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: 64 * 1024)
    }
}
