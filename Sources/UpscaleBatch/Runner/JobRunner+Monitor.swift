import Dispatch
import Foundation
import Logging
import Synchronization

/// The monitor: a few times a second it decides whether the run is over, applies `--max-wait`
/// and `--job-timeout`, and notices webhooks finishing jobs.
extension JobRunner {
    static let monitorPeriod = 0.2
    static let housekeepingPeriod = 1.0

    func monitor() {
        let now = Date()
        let snapshot = state.withLock { state in
            (
                state.stopOutcome, state.stopRequestedAt, state.inFlight,
                state.submissionsDone && state.attemptPolls.isEmpty,
                state.pendingPollResults.isEmpty && !state.flushScheduled, state.finished
            )
        }
        let (stopOutcome, stopRequestedAt, inFlight, submissionsDone, commitsIdle, finished) = snapshot
        if finished { return }

        if let stopOutcome {
            let graceOver = now.timeIntervalSince(stopRequestedAt ?? now) >= configuration.shutdownGrace
            if inFlight == 0 || graceOver {
                if inFlight > 0 {
                    logger.warning(
                        "\(inFlight) request(s) still in flight after the grace period; their jobs will be checked by the next run"
                    )
                }
                finish(stopOutcome)
                return
            }
        } else {
            if let maxWait = configuration.maxWait, now.timeIntervalSince(startedAt) >= maxWait {
                logger.warning("the maximum wait of \(maxWait) s was reached; stopping")
                requestStop(.maxWaitReached)
            }
            if now.timeIntervalSince(lastHousekeeping) >= Self.housekeepingPeriod {
                housekeeping(now: now)
            }
            if let hook = configuration.onHousekeeping,
                now.timeIntervalSince(state.withLock { $0.lastHook }) >= configuration.housekeepingInterval
            {
                state.withLock { $0.lastHook = now }
                hook()
            }
            if submissionsDone && inFlight == 0 && commitsIdle && isOver() {
                finish(nil)
                return
            }
        }
        monitorQueue.asyncAfter(deadline: .now() + Self.monitorPeriod) { self.monitor() }
    }

    private var lastHousekeeping: Date {
        state.withLock { $0.lastHousekeeping }
    }

    /// Once a second: job timeouts, and whether webhooks are finishing jobs.
    private func housekeeping(now: Date) {
        state.withLock { $0.lastHousekeeping = now }
        do {
            let cutoff = now.addingTimeInterval(-configuration.jobTimeout)
            let timedOut = try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.failTimedOut(
                    runID: self.runID, submittedBefore: cutoff,
                    reason: "no final status within \(Int(self.configuration.jobTimeout)) s (--job-timeout)")
            }
            if timedOut > 0 { logger.warning("\(timedOut) job(s) failed: in flight longer than --job-timeout") }
            let waiting = state.withLock { $0.waitingForWebhook.map(\.claim.jobID) }
            if !waiting.isEmpty {
                // A webhook that settled a doubt ends the wait for it at once.
                let settled = try StoreBridge.wait { () async throws(StoreError) in try await self.store.settledJobs(waiting) }
                if !settled.isEmpty {
                    state.withLock { $0.waitingForWebhook.removeAll { settled.contains($0.claim.jobID) } }
                    logger.info("\(settled.count) submission(s) in doubt settled by their webhook: not resubmitted")
                }
            }
            let completions = try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.webhookCompletions(runID: self.runID)
            }
            let newlyActive = state.withLock { state -> Bool in
                state.statistics.timedOut += timedOut
                let wasActive = state.webhooksActive
                if completions > state.webhookCompletionsSeen {
                    state.webhookCompletionsSeen = completions
                    state.webhooksActive = true
                }
                return !wasActive && state.webhooksActive
            }
            if newlyActive {
                logger.info("webhooks are finishing jobs: polls become a slow fallback for jobs whose cost is known")
            }
        } catch {
            storeFailed(error, while: "housekeeping")
        }
    }

    /// Nothing of the scope is in flight and no poll is owed (costs of final jobs included).
    private func isOver() -> Bool {
        do {
            let outstanding = try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.runOutstanding(runID: self.runID)
            }
            return outstanding.inFlight == 0 && outstanding.awaitingPoll == 0
        } catch {
            storeFailed(error, while: "checking progress")
            return false
        }
    }

    /// Commits what is pending, decides the outcome and hands it to `run()`'s caller.
    private func finish(_ stopOutcome: RunOutcome?) {
        pollCommitQueue.sync { flushPollResults() }
        commitQueue.sync {
            let decision = state.withLock { $0.streak.flush() }
            if case .fail(let jobs, let message) = decision {
                do {
                    try StoreBridge.wait { () async throws(StoreError) in
                        try await self.store.recordRefused(jobIDs: jobs, message: message)
                    }
                } catch {
                    logger.error("job store error while recording refusals: \(error)")
                }
            }
        }
        let outcome = stopOutcome ?? naturalOutcome()
        do { try StoreBridge.wait { () async throws(StoreError) in try await self.store.endRun(runID: self.runID) } } catch {
            logger.error("job store error while recording the run's end: \(error)")
        }
        let continuation = state.withLock { state in
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        wakeup.signal()
        continuation?.resume(returning: outcome)
    }

    /// The outcome when the run ended by itself: from the scope's final states.
    private func naturalOutcome() -> RunOutcome {
        if let message = state.withLock({ $0.refusalStopMessage }) { return .refusalStreak(message: message) }
        if let cap = state.withLock({ $0.spendCapReached ? $0.spend?.cap : nil }) { return .maxSpendReached(cap: cap) }
        do {
            let snapshot = try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.statusSnapshot(batch: nil, runID: self.runID)
            }
            let unfinished = snapshot.total - snapshot.final
            if unfinished > 0 { return .incomplete(unfinished: unfinished) }
            return (snapshot.counts[.failed] ?? 0) > 0 ? .someFailed : .allCompleted
        } catch {
            return .storeUnavailable(message: error.description)
        }
    }
}
