import Foundation
import Logging
import UpscaleBatch

/// Log lines for people and for cron mail: `2026-11-25T03:00:00Z warning: message key=value`,
/// on standard error, one write per line (so lines from several threads never interleave).
struct PlainLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    /// Metadata is shown only when verbose: it is for debugging, not for the morning mail.
    var showsMetadata = false

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(Self.timestamp()) \(event.level): \(event.message)"
        if showsMetadata {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            if !merged.isEmpty {
                line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func timestamp() -> String { UTCTime.seconds(Date()) }
}
