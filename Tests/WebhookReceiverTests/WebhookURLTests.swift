import TestSupport
import Testing
import UpscaleBatch
import WebhookReceiver

@Suite(.bounded) struct WebhookURLTests {
    @Test(arguments: [
        ("https://hooks.example.com/upscale", "https://hooks.example.com/upscale?job=42&token=abc123"),
        ("https://hooks.example.com/upscale?tenant=7", "https://hooks.example.com/upscale?tenant=7&job=42&token=abc123"),
        ("https://hooks.example.com/upscale?", "https://hooks.example.com/upscale?job=42&token=abc123"),
        ("https://hooks.example.com/upscale?a=1&", "https://hooks.example.com/upscale?a=1&job=42&token=abc123"),
        ("https://hooks.example.com/upscale#frag", "https://hooks.example.com/upscale?job=42&token=abc123"),
        ("https://hooks.example.com/u?a=1#frag", "https://hooks.example.com/u?a=1&job=42&token=abc123"),
    ])
    func callbackURLAppendsJobAndToken(base: String, expected: String) {
        #expect(WebhookURL.callbackURL(base: base, jobID: 42, secret: "abc123") == expected)
        #expect(WebhookServer.callbackURL(base: base, jobID: 42, secret: "abc123") == expected)
    }

    @Test func secretIsPercentEncoded() {
        #expect(WebhookURL.callbackURL(base: "http://h/", jobID: 1, secret: "a b&c") == "http://h/?job=1&token=a%20b%26c")
    }
}
