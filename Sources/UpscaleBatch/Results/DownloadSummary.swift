/// What one `download` pass (or a runner's downloads) did: the command's summary line and its
/// exit code come from here.
public struct DownloadSummary: Sendable, Equatable {
    /// Results written and recorded in this pass.
    public var downloaded = 0
    /// Results that could not be kept in this pass (transient or permanent).
    public var failed = 0
    /// Jobs of the scope already downloaded before (or by another process during) this pass.
    public var skipped = 0
    /// Jobs not tried because an earlier pass failed them permanently.
    public var notRetried = 0
    /// Bytes written by this pass.
    public var bytes: Int64 = 0
    /// A store error that ended the pass early (the counts are what was done until then).
    public var storeError: StoreError?

    public init() {}

    /// `downloaded N (B bytes), failed F, already downloaded S`
    public var line: String {
        "downloaded \(downloaded) (\(bytes) bytes), failed \(failed), already downloaded \(skipped)"
    }

    mutating func add(_ outcome: DownloadOutcome) {
        switch outcome {
        case .downloaded(let file):
            downloaded += 1
            bytes += file.bytes
        case .failed: failed += 1
        case .alreadyDownloaded, .inProgressElsewhere: skipped += 1
        case .notReady: break
        }
    }

    mutating func merge(_ other: DownloadSummary) {
        downloaded += other.downloaded
        failed += other.failed
        skipped += other.skipped
        notRetried += other.notRetried
        bytes += other.bytes
        storeError = storeError ?? other.storeError
    }
}
