import Foundation
import Synchronization
import UpscaleBatch

/// Progress while a run goes on: a live line on a terminal, or with `--progress-every` a plain
/// line every so often (cron mails every line, so nothing by default without a terminal).
final class ProgressPrinter: Sendable {
    private let store: any JobStore
    private let runner: JobRunner
    private let interval: Double?
    private let live: Bool
    private let started = Date()
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(store: any JobStore, runner: JobRunner, options: RunOptions) {
        self.store = store
        self.runner = runner
        let live = isatty(STDERR_FILENO) == 1 && !options.quiet
        self.live = live
        self.interval = live ? 0.5 : (options.quiet ? nil : options.progressEvery?.seconds)
    }

    func start() {
        guard let interval else { return }
        let printer = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
                if Task.isCancelled { break }
                await printLine()
            }
        }
        task.withLock { $0 = printer }
    }

    func stop() {
        task.withLock { $0?.cancel() }
        clear()
    }

    /// Erases the live line so other output starts on a clean line.
    func clear() {
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func printLine() async {
        guard let snapshot = try? await store.statusSnapshot(batch: nil, runID: runner.runID) else { return }
        let elapsed = Date().timeIntervalSince(started)
        let done = snapshot.final
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = snapshot.total - done
        let eta = rate > 0 ? Self.duration(Double(remaining) / rate) : "-"
        let states = [JobState.pending, .inQueue, .inProgress, .completed, .failed]
            .map { "\($0.rawValue.lowercased()) \(snapshot.counts[$0] ?? 0)" }.joined(separator: " ")
        let line = String(
            format: "%d/%d done (%@) | spent %lld credits | %.1f jobs/s | ETA %@",
            done, snapshot.total, states, snapshot.costs.completed, rate, eta)
        if live {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(line)\n".utf8))
        }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? "\(total / 3600)h\((total % 3600) / 60)m" : total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }
}
