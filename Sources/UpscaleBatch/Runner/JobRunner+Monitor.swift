import Dispatch
import Foundation
import Logging
import Synchronization

/// The monitor: a few times a second it decides whether the run is over, applies the maximum
/// wait and the job timeout, and notices webhooks finishing jobs.
extension JobRunner {
    static let monitorPeriod = 0.2
    static let housekeepingPeriod = 1.0

    /// " (--flag)" for a setting the caller names, "" otherwise.
    func named(_ setting: RunSetting) -> String {
        configuration.naming(setting).map { " (\($0))" } ?? ""
    }

    func monitor() {
        let now = Date()
        if completion.withLock({ $0.finished }) { return }
        let (halted, submissionsOver) = stop.withLock { ($0.halted, $0.submissionsOver) }
        let (held, inFlight, looks) = load.withLock { ($0.held, $0.requests, $0.looks) }
        let submissionsDone = (submissionsOver || submissions.withLock { $0.isDrained }) && polls.withLock { $0.attempts.isEmpty }
        let commitsIdle = pollCommits.withLock { $0.isIdle }

        if let halted {
            let graceOver = now.timeIntervalSince(halted.at) >= configuration.shutdownGrace
            if held == 0 || graceOver {
                if inFlight > 0 {
                    logger.warning(
                        "\(inFlight) request(s) still in flight after the grace period; their jobs will be checked by the next run"
                    )
                }
                finish()
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
                now.timeIntervalSince(monitorTimes.withLock { $0.hook }) >= configuration.housekeepingInterval
            {
                monitorTimes.withLock { $0.hook = now }
                hook()
            }
            if submissionsDone && held == 0 && commitsIdle && isOver(feederLooksBefore: looks) {
                finish()
                return
            }
        }
        monitorQueue.asyncAfter(deadline: .now() + Self.monitorPeriod) { self.monitor() }
    }

    private var lastHousekeeping: Date {
        monitorTimes.withLock { $0.housekeeping }
    }

    /// Once a second: job timeouts, whether webhooks are finishing jobs, and whether a poll fell
    /// due that no commit of ours announced (a webhook recorded by another process).
    private func housekeeping(now: Date) {
        monitorTimes.withLock { $0.housekeeping = now }
        do throws(StoreError) {
            let (cutoff, runID, batch) = (now.addingTimeInterval(-configuration.jobTimeout), runID, configuration.batch)
            let reason = "no final status within \(Int(configuration.jobTimeout)) s\(named(.jobTimeout))"
            let timedOut = try wait { store in
                try await store.failTimedOut(runID: runID, submittedBefore: cutoff, reason: reason)
            }
            if timedOut > 0 {
                tally.withLock { $0.timedOut += timedOut }
                logger.warning("\(timedOut) job(s) failed: in flight longer than \(mention("the job timeout", .jobTimeout))")
            }
            let waiting = submissions.withLock { $0.waitingJobIDs }
            if !waiting.isEmpty {
                // A webhook that settled a doubt ends the wait for it at once.
                let settled = try wait { store in try await store.settledJobs(waiting) }
                if !settled.isEmpty {
                    submissions.withLock { $0.settled(settled) }
                    logger.info("\(settled.count) submission(s) in doubt settled by their webhook: not resubmitted")
                }
            }
            if let due = try wait({ store in try await store.nextDuePoll(batch: batch) }), due < polls.withLock({ $0.askAfter }) {
                polls.withLock { $0.dueBy(due) }
                wakeFeeder()
            }
            let completions = try wait { store in try await store.webhookCompletions(runID: runID) }
            if webhooks.withLock({ $0.saw(completions: completions) }) {
                logger.info("webhooks are finishing jobs: polls become a slow fallback for jobs whose cost is known")
            }
        } catch {
            storeFailed(error, while: "housekeeping")
        }
    }

    /// Nothing of the scope is in flight and no poll is owed (costs of final jobs included),
    /// and no other runner holds a job of it still to submit: a run on a shared store ends
    /// when its whole scope is final, whoever finished it. Jobs that a runner whose lease
    /// lapsed held are taken over (a rescan, at most once per heartbeat period).
    ///
    /// The counts are read in the order in which a job moves, so that two reads that are not
    /// one snapshot never both miss it: held by another runner first, then in flight (a job
    /// another runner submits between the reads is counted by the second), then whether this
    /// run's own rescan read new work meanwhile, and whether the feeder looked for work at all
    /// since the monitor found the pool idle (`feederLooksBefore`): a rescan may have claimed
    /// jobs during the reads, which neither count while their requests are out.
    private func isOver(feederLooksBefore: Int) -> Bool {
        do throws(StoreError) {
            let runID = runID
            let sharing = !stop.withLock { $0.submissionsOver }
            if sharing {
                let heldElsewhere = try wait { store in try await store.unsubmittedHeldByOthers(runID: runID) }
                if heldElsewhere > 0 {
                    let now = Date()
                    if now.timeIntervalSince(monitorTimes.withLock { $0.rescan }) >= heartbeatPeriod {
                        monitorTimes.withLock { $0.rescan = now }
                        takeOverLeftWork()
                    }
                    return false
                }
            }
            let outstanding = try wait { store in try await store.runOutstanding(runID: runID) }
            guard outstanding.inFlight == 0 && outstanding.awaitingPoll == 0 else { return false }
            guard load.withLock({ $0.held == 0 && $0.looks == feederLooksBefore }) else { return false }
            // Nothing unsubmitted left in the scope (others did it all) ends a run whose feeder
            // never read: one that had no part of the store's limits yet, say.
            return !sharing || outstanding.unsubmitted == 0 || submissions.withLock { $0.isDrained }
        } catch {
            storeFailed(error, while: "checking progress")
            return false
        }
    }

    /// Commits what is pending, decides the outcome and hands it to `run()`'s caller.
    private func finish() {
        pollCommitQueue.sync { flushPollResults() }
        commitQueue.sync {
            let decision = streak.withLock { $0.flush() }
            if case .fail(let jobs, let message) = decision {
                do throws(StoreError) {
                    try wait { store in try await store.recordRefused(jobIDs: jobs, message: message) }
                } catch {
                    logger.error("job store error while recording refusals: \(error)")
                }
            }
        }
        let outcome = stop.withLock { $0 }.outcome(otherwise: naturalOutcome)
        let runID = runID
        stopHeartbeat()
        do throws(StoreError) { try wait { store in try await store.endRun(runID: runID) } } catch {
            logger.error("job store error while recording the run's end: \(error)")
        }
        let continuation = completion.withLock { $0.finish() }
        wakeup.signal()
        continuation?.resume(returning: outcome)
    }

    /// The outcome when the run ended by itself: from the scope's final states.
    private func naturalOutcome() -> RunOutcome {
        do throws(StoreError) {
            let runID = runID
            let snapshot = try wait { store in try await store.statusSnapshot(batch: nil, runID: runID) }
            let unfinished = snapshot.total - snapshot.final
            if unfinished > 0 { return .incomplete(unfinished: unfinished) }
            return (snapshot.counts[.failed] ?? 0) > 0 ? .someFailed : .allCompleted
        } catch {
            return .storeUnavailable(message: error.description)
        }
    }
}
