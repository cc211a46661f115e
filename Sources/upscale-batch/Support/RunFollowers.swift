import Synchronization
import UpscaleBatch

/// What follows a run from the executable's side: signals stop it, progress lines show it, the
/// metrics count it and `--metrics-file` is rewritten while it goes on.
final class RunFollowers {
    private let store: any JobStore
    private let options: RunOptions
    private let stopper: RunStopper
    private let exporter: MetricsExporter?
    private let parts = Mutex<(progress: ProgressPrinter?, metricsWriter: Task<Void, Never>?)>((nil, nil))

    init(store: any JobStore, options: RunOptions, stopper: RunStopper, exporter: MetricsExporter?) {
        self.store = store
        self.options = options
        self.stopper = stopper
        self.exporter = exporter
    }

    /// The runner exists: the metrics and the signals follow it.
    func attach(_ runner: JobRunner) {
        exporter?.follow(runner)
        let progress = ProgressPrinter(store: store, runner: runner, options: options)
        parts.withLock { $0.progress = progress }
        stopper.attach(runner) { progress.clear() }
    }

    /// The run began: progress lines, and the metrics file every 15 s.
    func start(metricsFile: String?) {
        let writer = exporter.flatMap { exporter in
            metricsFile.map { path in
                Task {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: RunSession.metricsFileInterval) } catch { return }
                        do { try await exporter.write(to: path) } catch { printError("--metrics-file: \(error)") }
                    }
                }
            }
        }
        let progress = parts.withLock { parts in
            parts.metricsWriter = writer
            return parts.progress
        }
        progress?.start()
    }

    /// The runner ended: a metrics write under way ends before the last one at exit.
    func stop() async {
        let (progress, writer) = parts.withLock { ($0.progress, $0.metricsWriter) }
        writer?.cancel()
        await writer?.value
        progress?.stop()
    }
}
