import TestSupport
import Testing

@testable import EnhancorSimulator

/// Which webhook targets the simulator may contact: loopback only.
@Suite(.bounded) struct LoopbackHostTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/x", true), ("http://127.8.9.10/x", true), ("https://localhost/x", true),
        ("http://[::1]:9000/x", true), ("https://webhook.invalid/x", false), ("http://128.0.0.1/x", false),
        ("http://127.0.0.1.example.com/x", false), ("ftp://127.0.0.1/x", false), ("not a url", false),
    ])
    func loopbackDetection(url: String, loopback: Bool) {
        #expect(LoopbackHost.isLoopbackURL(url) == loopback)
    }
}
