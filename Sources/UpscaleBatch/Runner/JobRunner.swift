import Dispatch
import Foundation
import Logging
import Synchronization

/// Runs a store's jobs through the API: a Dispatch worker pool submits unsubmitted jobs and
/// polls those in flight, never more than `concurrency` requests at once, until every job in
/// the run's scope is final (or the run is stopped).
///
/// The pool is a feeder, not a pool of parked threads: one serial queue waits for a free slot
/// (`DispatchSemaphore`), hands the next piece of work to the non-blocking client, and the
/// client's completion frees the slot. Measured on a 2-core Linux host, this
/// keeps 64 requests in flight where a concurrent queue of blocking calls stalls. With nothing
/// to do the feeder sleeps until the next poll falls due, a wake-up (an answer, a commit, a
/// stop) or its deadline; `--rate`'s pacer holds it on the same semaphore, so a stop wakes it.
///
/// The store is reached through its contract (`JobStore`). The feeder, the commit queues and
/// the monitor are Dispatch threads, which may wait: they call it through `StoreBridge.wait`.
///
/// Crash safety: a submission is recorded before its POST and its request id is committed the
/// moment the answer arrives, on a serial commit queue of its own, never behind poll answers.
/// Answers that arrive while a commit is under way go together in the next one (a group
/// commit: one is never held back for others to come), and so do the claims of slots that are
/// free together: on a busy run one transaction serves many jobs. A slot is freed only after
/// its answer's commit, so at most `concurrency` accepted submissions are ever unrecorded.
///
/// The run's state is in parts, each behind its own lock and never two locks at once (so no
/// lock order to keep): what to submit (`SubmissionSource`), what to poll (`PollSource`), why
/// the run stops (`RunStop`, the outcome's one source), the counters (`RunStatistics`), the
/// pool's occupancy (`FeederLoad`), and the watches the answers and the monitor keep.
public final class JobRunner: Sendable {
    let store: any JobStore
    let client: any EnhancorClient
    let configuration: RunConfiguration
    let logger: Logger
    /// Identifies this run in the store (`runs`, `run_scope`): its scope, progress and summary.
    public let runID: String
    let identity: RunIdentity
    let schedule: PollSchedule
    let slots: DispatchSemaphore
    /// The feeder sleeps on it (nothing to do, or the pacer's wait); see `FeederLoad`.
    let wakeup = DispatchSemaphore(value: 0)
    let feederQueue = DispatchQueue(label: "upscale-batch.feeder")
    /// Submissions' answers only: a request id is never queued behind a batch of poll answers.
    let commitQueue = DispatchQueue(label: "upscale-batch.commits")
    /// Poll answers, committed several per transaction.
    let pollCommitQueue = DispatchQueue(label: "upscale-batch.poll-commits")
    let monitorQueue = DispatchQueue(label: "upscale-batch.monitor")
    /// The lease's renewals (`JobRunner+Heartbeat`): never behind the monitor's store calls.
    let heartbeatQueue = DispatchQueue(label: "upscale-batch.heartbeat")
    let startedAt = Date()

    // The parts of the run's state (see the type comment).
    let submissions: Mutex<SubmissionSource>
    let polls = Mutex(PollSource())
    let stop = Mutex(RunStop())
    let tally = Mutex(RunStatistics())
    let load = Mutex(FeederLoad())
    let unknownRequests = Mutex(UnknownRequestWatch(inFlightAtStart: 0))
    let webhooks = Mutex(WebhookWatch())
    let streak: Mutex<RefusalStreak>
    let pacer: Mutex<RequestPacer?>
    let pollCommits = Mutex(CommitGroup<PollResult>())
    /// Submissions' answers, committed together when they arrive together (on `commitQueue`).
    let submissionCommits = Mutex(CommitGroup<SubmissionAnswer>())
    let completion = Mutex(RunCompletion())
    /// The monitor's clocks (its queue is serial; the lock only satisfies Sendable).
    let monitorTimes = Mutex((housekeeping: Date.distantPast, hook: Date(), rescan: Date()))
    /// The store's webhook secret, read when the run starts.
    let secret = Mutex("")
    /// The store's server lost, shared by every thread that reaches it (see `wait`).
    let outage = Mutex(StoreOutage())
    /// The run's lease, as it counts it itself; granted when the run begins.
    let lease: Mutex<RunLease>
    /// Set (on the heartbeat's queue) before the run records its end: no renewal after it.
    let ending = Mutex(false)
    /// The run's part of the store-wide limits, within its own (`JobRunner+Heartbeat`).
    let granted: Mutex<(concurrency: Int, rate: Double?)>

    public init(store: any JobStore, client: any EnhancorClient, configuration: RunConfiguration, logger: Logger) {
        self.store = store
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.runID = Self.makeRunID()
        self.identity = RunIdentity(runID: runID, lease: configuration.lease)
        self.lease = Mutex(RunLease(seconds: configuration.lease, sentAt: DispatchTime.now().uptimeNanoseconds))
        self.schedule = PollSchedule(
            pollInterval: configuration.pollInterval, fallbackPollInterval: configuration.fallbackPollInterval)
        self.slots = DispatchSemaphore(value: configuration.concurrency)
        self.submissions = Mutex(
            SubmissionSource(spend: configuration.maxSpend.map { SpendGuard(cap: $0, history: configuration.costHistory) }))
        self.streak = Mutex(RefusalStreak(limit: configuration.refusalStreakLimit))
        self.pacer = Mutex(configuration.requestsPerSecond.map { RequestPacer(requestsPerSecond: $0) })
        self.granted = Mutex((configuration.concurrency, configuration.requestsPerSecond))
    }

    /// Records the run and its scope in the store, tells `started` how many jobs the scope
    /// holds, and runs until every job in scope is final or the run is stopped. Throws only
    /// when the run cannot begin; a store error later ends the run as `.storeUnavailable`.
    public func run(started: (Int) async -> Void = { _ in }) async throws(StoreError) -> RunOutcome {
        let secret = try await store.webhookSecret()
        let registering = DispatchTime.now().uptimeNanoseconds
        let scope = try await store.beginRun(identity, batch: configuration.batch)
        lease.withLock { $0 = RunLease(seconds: configuration.lease, sentAt: registering) }
        // The first beat at once: the run's part of the store's limits before its first request.
        let first = try await store.renewRun(runID: runID, inFlight: 0, demand: demand(inFlight: 0))
        _ = lease.withLock { $0.observe(first.liveRunners) }
        apply(first.grant)
        // Duplicate attempts still owed their cost poll are polled first.
        let attempts = try await store.duplicateAttemptsToPoll(batch: configuration.batch)
        let inFlight = try await store.runOutstanding(runID: runID).inFlight
        unknownRequests.withLock { $0 = UnknownRequestWatch(inFlightAtStart: inFlight) }
        self.secret.withLock { $0 = secret }
        polls.withLock { $0 = PollSource(attempts: attempts) }
        await started(scope)
        return await withCheckedContinuation { (continuation: CheckedContinuation<RunOutcome, Never>) in
            completion.withLock { $0.wait(continuation) }
            feederQueue.async { self.feed() }
            monitorQueue.async { self.monitor() }
            scheduleHeartbeat(after: first)
        }
    }

    /// Asks the run to stop: no new requests; those in flight may finish within the grace period.
    public func requestStop(_ outcome: RunOutcome = .interrupted) {
        stop.withLock { $0.halt(outcome, at: Date()) }
        client.cancelAll()
        wakeup.signal()  // whatever the feeder waits for (work, the pacer), it stops now
    }

    /// The counters so far.
    public var statistics: RunStatistics {
        var statistics = tally.withLock { $0 }
        statistics.busiestSecondOfStarts = pacer.withLock { $0?.busiestSecond }
        return statistics
    }

    /// Whether webhooks have been seen finishing this run's jobs.
    public var webhooksActive: Bool { webhooks.withLock { $0.active } }

    /// Something may have made work (an answer, a commit, a webhook): wakes a sleeping feeder.
    func wakeFeeder() {
        if load.withLock({ $0.wake() }) { wakeup.signal() }
    }

    /// Names a setting the way the caller gives it ("the doubt wait (--doubt-wait)"), or not at all.
    func mention(_ words: String, _ setting: RunSetting) -> String {
        configuration.naming(setting).map { "\(words) (\($0))" } ?? words
    }

    static func makeRunID() -> String {
        let stamp = UTCTime.milliseconds(Date())
        return "run-\(stamp)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
