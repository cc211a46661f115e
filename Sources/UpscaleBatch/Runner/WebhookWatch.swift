/// Whether webhooks are seen finishing this run's jobs (then polls become a slow fallback).
/// Changed by the monitor only, from the store's count of jobs webhooks finished.
struct WebhookWatch: Sendable {
    private(set) var active = false
    private var completionsSeen = 0

    /// The store counts `completions` jobs of the scope finished by a webhook; true when this
    /// is the first sign of webhooks working.
    mutating func saw(completions: Int) -> Bool {
        guard completions > completionsSeen else { return false }
        completionsSeen = completions
        defer { active = true }
        return !active
    }
}
