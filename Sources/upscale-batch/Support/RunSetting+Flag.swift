import UpscaleBatch

extension RunSetting {
    /// The flag that changes this setting: the executable's half of a summary line whose
    /// words come from the core (which knows no flags).
    var flag: String {
        switch self {
        case .concurrency: "--concurrency"
        case .rate: "--rate"
        case .maxWait: "--max-wait"
        case .maxSpend: "--max-spend"
        case .webhookURL: "--webhook-url"
        case .doubtWait: "--doubt-wait"
        case .jobTimeout: "--job-timeout"
        case .unknownRequestAfter: "--unknown-request-after"
        case .apiKey: "ENHANCOR_API_KEY or ENHANCOR_API_KEY_FILE, whichever is set"
        case .baseURL: "--base-url"
        case .caFile: "--ca-file or ENHANCOR_CA_FILE"
        case .storeGrace: "--store-grace"
        case .lease: "--lease"
        case .maxBytes: "--max-bytes"
        case .failedJobs: "upscale-batch list --state FAILED"
        }
    }
}
