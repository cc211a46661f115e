import TestSupport
import Testing
import UpscaleBatch
import WebhookReceiver

@Suite(.bounded) struct WebhookURLTests {
    @Test(arguments: [
        ("https://hooks.example.com/upscale", "https://hooks.example.com/upscale?ub_job=42&ub_token=abc123"),
        ("https://hooks.example.com/upscale?tenant=7", "https://hooks.example.com/upscale?tenant=7&ub_job=42&ub_token=abc123"),
        ("https://hooks.example.com/upscale?", "https://hooks.example.com/upscale?ub_job=42&ub_token=abc123"),
        ("https://hooks.example.com/upscale?a=1&", "https://hooks.example.com/upscale?a=1&ub_job=42&ub_token=abc123"),
        ("https://hooks.example.com/upscale#frag", "https://hooks.example.com/upscale?ub_job=42&ub_token=abc123"),
        ("https://hooks.example.com/u?a=1#frag", "https://hooks.example.com/u?a=1&ub_job=42&ub_token=abc123"),
        // The user's own parameters, even named like ours were, are kept as given.
        (
            "https://hooks.example/x?token=proxy-secret&job=nightly",
            "https://hooks.example/x?token=proxy-secret&job=nightly&ub_job=42&ub_token=abc123"
        ),
    ])
    func callbackURLAppendsJobAndToken(base: String, expected: String) {
        #expect(WebhookURL.callbackURL(base: base, jobID: 42, secret: "abc123") == expected)
    }

    @Test func secretIsPercentEncoded() {
        #expect(WebhookURL.callbackURL(base: "http://h/", jobID: 1, secret: "a b&c") == "http://h/?ub_job=1&ub_token=a%20b%26c")
    }

    @Test(
        arguments: [
            ("https://h/x?ub_job=1", "ub_job"),
            ("https://h/x?a=1&ub_token=s", "ub_token"),
            ("https://h/x?UB_TOKEN=s", "ub_token"),
            ("https://h/x?ub%5Fjob=1", "ub_job"),
            ("https://h/x?token=s&job=1", nil),
            ("https://h/x?ub_jobs=1", nil),
            ("https://h/x#ub_job=1", nil),
            ("https://h/x", nil),
        ] as [(String, String?)])
    func reservedParametersAreFound(url: String, reserved: String?) {
        #expect(WebhookURL.reservedParameter(in: url) == reserved)
    }
}
