import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import UpscaleBatch

@testable import WebhookReceiver

/// Refused webhooks are warned about, but at most once a minute with a count of the others,
/// so a misconfigured proxy cannot flood the log (or cron's mail) with one line per webhook.
@Suite(.bounded) struct WebhookCountersTests {
    final class Lines: Sendable {
        let lines = Mutex<[(Logger.Level, String)]>([])
    }

    struct RecordingHandler: LogHandler {
        let sink: Lines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.lines.withLock { $0.append((event.level, "\(event.message)")) }
        }
    }

    @Test func refusalsAreWarnedAboutAtMostOnceAMinute() {
        let sink = Lines()
        let logger = Logger(label: "test") { _ in RecordingHandler(sink: sink) }
        let counters = WebhookCounters()
        let start = Date()
        counters.refuse(status: 401, reason: "missing or wrong token", logger: logger, now: start)
        counters.refuse(status: 401, reason: "missing or wrong token", logger: logger, now: start.addingTimeInterval(1))
        counters.refuse(status: 409, reason: "no submission", logger: logger, now: start.addingTimeInterval(30))
        counters.refuse(status: 404, reason: "unknown", logger: logger, now: start.addingTimeInterval(61))
        let lines = sink.lines.withLock { $0 }
        #expect(lines.count == 2, "\(lines.map(\.1))")
        #expect(lines.allSatisfy { $0.0 == .warning })
        #expect(lines.first?.1 == "webhook refused (HTTP 401): missing or wrong token")
        #expect(lines.last?.1 == "webhook refused (HTTP 404): unknown (3 webhooks refused since the last warning)")
        #expect(counters.refusals.total == 4)
        #expect(counters.refusals.wrongToken == 2)
    }
}
