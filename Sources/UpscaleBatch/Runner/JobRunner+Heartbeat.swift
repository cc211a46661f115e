import Dispatch
import Foundation
import Logging
import Synchronization

/// The heartbeat: every lease/3, on a queue of its own, the run renews its lease and records its
/// requests in flight (`status` shows both); the store answers with the live runners, and one
/// that vanished since the last beat left work that this run now takes over (a rescan of the
/// scope: its reserved and claimed jobs, by the doubt rule where it had sent them).
extension JobRunner {
    /// How often the lease is renewed: a third of it, so two beats may fail before it lapses.
    var heartbeatPeriod: Double { configuration.lease / 3 }

    /// How soon a run beats again while its part of the store-wide limits is moving
    /// (`RunRenewal.settling`): a runner that gives back does so as its requests end, and one
    /// that waits takes what was given back, each within a fraction of a second.
    static let settlingBeat = 0.2

    /// How often a run beats while it shares the store-wide limits with other live runners: a
    /// runner that joins, runs out of work or dies changes everyone's part, and the others
    /// learn it only at their own beat. One small transaction a second per runner.
    static let sharingBeat = 1.0

    /// When the next beat is due after `renewal`: never later than lease/3.
    func nextBeat(after renewal: RunRenewal?) -> Double {
        guard let renewal else { return heartbeatPeriod }
        if renewal.settling { return min(heartbeatPeriod, Self.settlingBeat) }
        let shares = renewal.grant != LimitGrant() && renewal.liveRunners.count > 1
        return shares ? min(heartbeatPeriod, Self.sharingBeat) : heartbeatPeriod
    }

    func scheduleHeartbeat(after renewal: RunRenewal? = nil) {
        heartbeatQueue.asyncAfter(deadline: .now() + nextBeat(after: renewal)) { self.heartbeat() }
    }

    func heartbeat() {
        if ending.withLock({ $0 }) { return }
        let (runID, inFlight) = (runID, load.withLock { $0.requests })
        let demand = demand(inFlight: inFlight)
        let sent: UInt64
        let renewal: RunRenewal
        do {
            // Each try's own send time: a try that waited out an outage counts from its own start.
            (sent, renewal) = try wait { store in
                let sent = DispatchTime.now().uptimeNanoseconds
                return (sent, try await store.renewRun(runID: runID, inFlight: inFlight, demand: demand))
            }
        } catch {
            storeFailed(error, while: "renewing the run's lease")
            return
        }
        guard renewal.registered else {
            let message =
                "the run's lease lapsed over an hour ago and another runner ended it; its jobs are taken over: run again"
            logger.error("\(message)")
            requestStop(.storeUnavailable(message: message))
            return
        }
        // A lease that lapsed before this answer (a paused process, a slow store): another
        // runner may have taken the polls claimed before, so they go before the lease holds
        // again. The feeder checks the lease first, so it can never start one of them.
        let answered = DispatchTime.now().uptimeNanoseconds
        if lease.withLock({ !$0.isHeld(at: answered) }) { polls.withLock { $0.dropClaimed() } }
        let (endedLapse, vanished) = lease.withLock {
            ($0.renewed(sentAt: sent, answeredAt: answered), $0.observe(renewal.liveRunners))
        }
        apply(renewal.grant)
        if endedLapse {
            logger.warning("the run's lease is renewed after a lapse: requests start again")
            wakeFeeder()
        }
        if !vanished.isEmpty {
            // Info, not a warning: a runner that finished its part and ended vanishes too, every
            // night; one that died shows in the duplicates and in its own host's log.
            logger.info(
                "runner(s) \(vanished.sorted().joined(separator: ", ")) no longer live (ended, or lease lapsed): taking over any work left"
            )
            takeOverLeftWork()
        }
        scheduleHeartbeat(after: renewal)
    }

    /// What the run could use now, for its part of the store's limits: its whole cap while it
    /// has submissions to make, else about what its polls keep in flight (so that a runner
    /// left with only a few polls gives its slots to runners with work).
    func demand(inFlight: Int) -> RunnerDemand {
        let drained = stop.withLock { $0.submissionsOver } || submissions.withLock { $0.isDrained }
        let concurrency = drained ? min(configuration.concurrency, inFlight + 1) : configuration.concurrency
        return RunnerDemand(concurrency: concurrency, rate: configuration.requestsPerSecond)
    }

    /// Takes the run's part of the store's limits, within its own: the feeder holds no more
    /// slots than that (`withinGrant`), and the pacer spaces starts at that rate. A part that
    /// grew wakes the feeder.
    func apply(_ grant: LimitGrant) {
        let concurrency = min(configuration.concurrency, grant.concurrency ?? configuration.concurrency)
        let rate: Double? =
            switch (configuration.requestsPerSecond, grant.rate) {
            case (nil, nil): nil
            case (let own?, nil): own
            case (nil, let part?): part
            case (let own?, let part?): min(own, part)
            }
        let before = granted.withLock { previous in
            defer { previous = (concurrency, rate) }
            return previous
        }
        if let rate, rate > 0, rate != before.rate {
            pacer.withLock { pacer in
                if pacer == nil { pacer = RequestPacer(requestsPerSecond: rate) } else { pacer?.pace(requestsPerSecond: rate) }
            }
        }
        if concurrency > before.concurrency || (rate ?? 1) > (before.rate ?? 0) { wakeFeeder() }
    }

    /// Whether the feeder may hold the slot it just took: no more than the run's part of the
    /// store's concurrency, and a part of its rate above nothing.
    func withinGrant() -> Bool {
        let (concurrency, rate) = granted.withLock { ($0.concurrency, $0.rate) }
        if let rate, rate <= 0 { return false }
        return load.withLock { $0.held } <= concurrency
    }

    /// Stops the heartbeat before the run records its end (a renewal after it would find the
    /// run ended): waits for a renewal under way.
    func stopHeartbeat() {
        heartbeatQueue.sync { ending.withLock { $0 = true } }
    }

    /// Work another runner left (its lease lapsed): the feeder reads the scope again from its
    /// start, where the store now hands out that runner's jobs.
    func takeOverLeftWork() {
        submissions.withLock { $0.requestRescan() }
        polls.withLock { $0.dueBy(0) }
        wakeFeeder()
    }

    /// Whether the run may start a request: its lease holds. When it does not (the first time),
    /// it says so, and forgets the polls it claimed: another runner may have taken them.
    func leaseAllowsRequests() -> Bool {
        if lease.withLock({ $0.isHeld() }) { return true }
        if lease.withLock({ $0.noticeLapse() }) {
            logger.warning(
                "the run's lease lapsed (no heartbeat answered within \(mention("the lease", .lease))): no new request until it is renewed"
            )
        }
        polls.withLock { $0.dropClaimed() }
        return false
    }
}
