import Hummingbird
import UpscaleBatch

/// The job id and token a webhook's URL carries.
///
/// Ours are `ub_job` and `ub_token`, appended after the user's own query string, which may
/// hold parameters named `job` or `token` for its own proxy: when any `ub_` parameter is
/// present, only those are read. Jobs submitted by earlier versions carry `job` and `token`:
/// those are read only when the URL has no `ub_` parameter at all.
struct WebhookParameters: Sendable {
    var job: String?
    var token: String?
    /// The name the job id came under, for messages.
    var jobName: String

    init(_ query: Parameters) {
        let ours = query.get(WebhookURL.jobParameter) != nil || query.get(WebhookURL.tokenParameter) != nil
        if ours {
            job = query.get(WebhookURL.jobParameter)
            token = query.get(WebhookURL.tokenParameter)
            jobName = WebhookURL.jobParameter
        } else {
            job = query.get(WebhookURL.legacyJobParameter)
            token = query.get(WebhookURL.legacyTokenParameter)
            jobName = WebhookURL.legacyJobParameter
        }
    }
}
