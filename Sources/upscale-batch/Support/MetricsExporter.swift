import CoreMetrics
import Foundation
import Prometheus
import Synchronization
import UpscaleBatch

/// The process's metrics in Prometheus' text format: the counters the core records through
/// swift-metrics, plus the store-wide gauges, refreshed from the store when asked.
///
/// `MetricsSystem.bootstrap` may run once per process, so the process's registry is made and
/// bootstrapped once (`registry`, on first use), and every exporter of the process writes to it
/// (libraries that record through swift-metrics land there too).
final class MetricsExporter: Sendable {
    /// The process's registry, bootstrapped into swift-metrics on first use.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(registry))
        return registry
    }()

    /// A Prometheus factory over `registry` with the duration buckets of an upscaling API.
    static func factory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[UpscaleBatchMetrics.Name.apiRequestDuration] =
            UpscaleBatchMetrics.durationBuckets.map { Duration.nanoseconds(Int64($0 * 1e9)) }
        return factory
    }

    /// The store is read (gauges, the run's credits) at most this often: several scrapers
    /// (and the metrics file) within these seconds share one read.
    static let gaugeInterval: TimeInterval = 2

    let metrics: UpscaleBatchMetrics
    private let registry: PrometheusCollectorRegistry
    private let store: any JobStore
    private let state = Mutex(State())

    private struct State {
        var gaugesReadAt: Date?
        var runner: JobRunner?
        var synced = RunStatistics()
        var credits: [String: CostTotals] = [:]
        var runEnded = false
    }

    /// The process's exporter for `store`.
    convenience init(store: any JobStore) {
        let registry = Self.registry
        self.init(store: store, registry: registry)
    }

    /// An exporter over any registry (tests use their own; nothing is bootstrapped).
    init(store: any JobStore, registry: PrometheusCollectorRegistry) {
        self.store = store
        self.registry = registry
        metrics = UpscaleBatchMetrics(factory: Self.factory(registry))
    }

    /// Counts the run's submissions as it goes (from its statistics, at every scrape).
    func follow(_ runner: JobRunner) {
        state.withLock { $0.runner = runner }
    }

    /// Counts the credits of the run's jobs that ended since the last look (from the store,
    /// so jobs a webhook finished count too). Counters never go down: a total that shrank
    /// (`retry` moved a failed job back meanwhile) adds nothing.
    private func syncCredits(runID: String) async {
        guard let credits = try? await store.runCredits(runID: runID) else { return }
        state.withLock { state in
            for (mode, totals) in credits {
                let seen = state.credits[mode] ?? CostTotals()
                metrics.credits(
                    mode: mode, quoted: max(0, totals.total - seen.total), spent: max(0, totals.completed - seen.completed))
                state.credits[mode] = CostTotals(
                    total: max(totals.total, seen.total), completed: max(totals.completed, seen.completed), failed: 0)
            }
        }
    }

    /// The run has ended: it no longer counts as a runner alive in the last text written.
    func runEnded() {
        state.withLock {
            $0.runEnded = true
            $0.gaugesReadAt = nil
        }
    }

    /// The exposition text, gauges refreshed (at most every `gaugeInterval` seconds). The
    /// store is read asynchronously: this runs on the HTTP server's tasks.
    func text(now: Date = Date()) async -> String {
        let readGauges = state.withLock { state in
            // The run's counters are synced under this lock, so two scrapes never count the
            // same submissions twice (the runner's own lock is never held while taking this one).
            if let runner = state.runner {
                let statistics = runner.statistics
                metrics.submitted(
                    statistics.submissions - state.synced.submissions,
                    possibleDuplicates: statistics.possibleDuplicates - state.synced.possibleDuplicates)
                state.synced = statistics
            }
            let due = state.gaugesReadAt.map { now.timeIntervalSince($0) >= Self.gaugeInterval } ?? true
            if due { state.gaugesReadAt = now }
            return due
        }
        guard readGauges else { return registry.emitToString() }
        let (runID, runEnded) = state.withLock { ($0.runner?.runID, $0.runEnded) }
        if let runID { await syncCredits(runID: runID) }
        if var snapshot = try? await store.metricsSnapshot(now: now) {
            // On SQLite a run holds the store's run lock; this process's own ended run does not
            // count. On PostgreSQL every runner with a live lease does.
            let location = store.displayName
            if JobStores.isDatabaseURL(location) {
                snapshot.runnersAlive = (try? await store.liveRunners().count) ?? 0
            } else {
                snapshot.runnersAlive = !runEnded && RunLock.isHeld(storePath: location) ? 1 : 0
            }
            metrics.record(snapshot)
        }
        return registry.emitToString()
    }

    /// Writes the text to `path` atomically (node_exporter's textfile collector reads it).
    func write(to path: String) async throws {
        try AtomicFile.write(await text(), to: path)
    }
}
