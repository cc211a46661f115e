import TestSupport
import Testing

@testable import UpscaleBatch

/// The one "absolute http(s) URL with a host" check behind the base URL, result URLs and the
/// webhook URL.
@Suite(.bounded) struct HTTPURLTests {
    @Test(arguments: [
        ("https://api.example/v1", "https", "api.example"),
        ("HTTP://127.0.0.1:8080/webhook?x=1", "http", "127.0.0.1"),
    ])
    func acceptsAbsoluteHTTPURLs(url: String, scheme: String, host: String) throws {
        let target = try #require(HTTPURL.target(of: url))
        #expect(target.scheme == scheme)
        #expect(target.host == host)
    }

    @Test(arguments: ["", "/relative/path", "api.example/v1", "ftp://host/file", "file:///etc/passwd", "https://", "http:///x"])
    func refusesEverythingElse(url: String) {
        #expect(HTTPURL.target(of: url) == nil)
    }
}
