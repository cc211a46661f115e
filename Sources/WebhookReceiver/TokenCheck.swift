/// Checks a webhook's `ub_token=` against the store's secret without leaking, through timing,
/// how much of a guess was right.
///
/// The comparison always walks the whole secret, whatever the token's length or content.
/// An empty secret never matches, so a store without one accepts no webhook at all.
struct TokenCheck: Sendable {
    private let secret: [UInt8]

    init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    /// Whether `token` is the secret, compared in time independent of where they differ.
    func accepts(_ token: String?) -> Bool {
        guard let token, !secret.isEmpty else { return false }
        let candidate = Array(token.utf8)
        // Any length difference alone makes the result non-zero (kept as a full Int).
        var difference = candidate.count ^ secret.count
        for index in secret.indices {
            let byte = index < candidate.count ? candidate[index] : 0
            difference |= Int(byte ^ secret[index])
        }
        return difference == 0
    }
}
