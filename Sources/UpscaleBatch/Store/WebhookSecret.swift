/// The per-store secret that authenticates webhooks (sent as `ub_token=` in each job's URL).
enum WebhookSecret {
    /// 32 random bytes as lowercase hex, from the system's CSPRNG.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
