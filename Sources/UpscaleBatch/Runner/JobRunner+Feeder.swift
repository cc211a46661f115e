import Dispatch
import Foundation
import Logging
import Synchronization

/// The feeder: one serial queue that waits for a free slot, then starts the next request.
extension JobRunner {
    enum Work {
        case submit(SubmissionClaim)
        case poll(PollClaim)
        case pollAttempt(AttemptPollClaim)
        /// Nothing to do before this time (Unix ms; nil: until woken).
        case idle(until: Int64?)
        case stop
    }

    /// The longest the feeder sleeps without a look at its own state (never the store's: it
    /// asks the store only when a poll is due), a guard against a wake-up that never comes.
    static let longestSleep = 1.0

    /// When the feeder chose a request's work, and in which term of the lease (`RunLease`):
    /// a poll starts only while that term holds, and `--verbose` logs the time as its start.
    struct Choice {
        let at: Date
        let term: Int
    }

    func feed() {
        while true {
            slots.wait()
            load.withLock { $0.looking() }
            // Between claims: every job taken so far is claimed (see `applyRescan`).
            submissions.withLock { $0.applyRescan() }
            let choice = choose()
            let work = nextWork()
            switch work {
            case .submit(let first) where pacer.withLock({ $0 == nil }):
                startSubmissions(gatherSubmissions(first), at: choice.at)
            case .submit, .poll, .pollAttempt:
                guard let paced = pace() else {
                    abandon(work)
                    release()
                    return
                }
                // A poll chosen in a term that has ended (the lease lapsed while the pacer
                // waited, or while the process was paused) may be another runner's now. A
                // submission needs no such check: its claim in the store is the check.
                let isSubmission = if case .submit = work { true } else { false }
                if !isSubmission, !lease.withLock({ $0.holds(term: choice.term) }) {
                    release()
                    continue
                }
                start(work, at: paced ?? choice.at)
            case .idle(let until):
                release()
                sleep(until: until)
            case .stop:
                release()
                return
            }
        }
    }

    /// Taken before `nextWork` checks the lease, so a choice can only be older than that check.
    private func choose() -> Choice {
        Choice(at: Date(), term: lease.withLock { $0.term })
    }

    /// The feeder stops: asked to, or the run is over.
    var isStopping: Bool { stop.withLock { $0.isHalted } || completion.withLock { $0.finished } }

    /// Polls first (they finish jobs and bring costs), then resubmissions, then new jobs.
    func nextWork() -> Work {
        if isStopping { return .stop }
        // A lapsed lease starts nothing, nor a slot beyond the run's part of the store's limits:
        // the heartbeat wakes the feeder when it is renewed or the part grows, an answer when
        // a slot frees.
        guard leaseAllowsRequests(), withinGrant() else { return .idle(until: nil) }
        let now = StoreClock.millis()
        if polls.withLock({ $0.shouldAsk(now: now) }) {
            polls.withLock { $0.asking() }
            do throws(StoreError) {
                let (limit, batch, runID) = (configuration.concurrency, configuration.batch, runID)
                let claims = try wait { store in try await store.claimDuePolls(limit: limit, batch: batch, runID: runID) }
                if claims.isEmpty {
                    // Nothing due: ask again when the next one is, not on a tick.
                    let next = try wait { store in try await store.nextDuePoll(batch: batch) }
                    polls.withLock { $0.nothingDue(next: next) }
                } else {
                    polls.withLock { $0.claimed(claims, askAfter: now + Self.pollClaimWindow) }
                }
            } catch {
                storeFailed(error, while: "claiming polls")
                return .stop
            }
        }
        if let poll = polls.withLock({ $0.takeClaimed() }) { return .poll(poll) }
        if let attempt = polls.withLock({ $0.nextAttempt }) { return .pollAttempt(attempt) }
        if let submission = nextSubmission(now: now) { return .submit(submission) }
        if isStopping { return .stop }
        let pollDue = polls.withLock { $0.askAfter }
        let doubtDue = submissions.withLock { $0.nextDoubtDeadline }
        let until = [pollDue == Int64.max ? nil : pollDue, doubtDue].compactMap { $0 }.min()
        return .idle(until: until)
    }

    private func nextSubmission(now: Int64) -> SubmissionClaim? {
        if stop.withLock({ $0.submissionsOver }) { return nil }
        let (needsRead, cursor, rescanWaits) = submissions.withLock { ($0.needsRead, $0.cursor, $0.rescanRequested) }
        if needsRead {
            // A rescan starts from the feeder's next look, once the jobs gathered so far are
            // claimed (`applyRescan`): the batch goes now, so a lapsed runner's work is taken
            // within one claim, never after the rest of the scope.
            if rescanWaits { return nil }
            do throws(StoreError) {
                let runID = runID
                let claims = try wait { store in try await store.unsubmittedJobs(runID: runID, afterID: cursor, limit: 256) }
                submissions.withLock { $0.read(claims) }
            } catch {
                storeFailed(error, while: "reading unsubmitted jobs")
                return nil
            }
        }
        switch submissions.withLock({ $0.take(now: now) }) {
        case .submit(let claim):
            return claim
        case .nothing:
            return nil
        case .capReached(let cap):
            if stop.withLock({ $0.endSubmissions(.spendCap(cap)) }) {
                logger.warning("the spending cap was reached: no more submissions; the remaining jobs stay unsubmitted")
            }
            return nil
        }
    }

    /// After claiming due polls, the feeder asks the store again no sooner than this (ms): the
    /// polls falling due meanwhile are claimed together, a claim of tens instead of two or
    /// three each time a slot frees. Each starts at most this late; a poll's time is a
    /// schedule of seconds, not a deadline.
    static let pollClaimWindow: Int64 = 25

    /// The most submissions claimed in one transaction.
    static let claimBatch = 32

    /// `first` and the submissions for the other slots free right now (without waiting for
    /// one), to be claimed together. Polls found on the way start at once: they come first and
    /// need no claim. Not used with `--rate`, whose pacer spaces each start.
    private func gatherSubmissions(_ first: SubmissionClaim) -> [SubmissionClaim] {
        var batch = [first]
        while batch.count < Self.claimBatch, slots.wait(timeout: .now()) == .success {
            load.withLock { $0.looking() }
            let choice = choose()
            let work = nextWork()
            switch work {
            case .submit(let claim): batch.append(claim)
            case .poll, .pollAttempt: start(work, at: choice.at)
            case .idle, .stop:
                release()
                return batch
            }
        }
        return batch
    }

    /// Sleeps until `until` (Unix ms), a wake-up, or `longestSleep`, whichever comes first.
    private func sleep(until: Int64?) {
        guard load.withLock({ $0.sleep() }) else { return }  // woken while deciding: look again
        var seconds = Self.longestSleep
        if let until { seconds = min(seconds, Double(until - StoreClock.millis()) / 1000) }
        if seconds > 0 { _ = wakeup.wait(timeout: .now() + seconds) }
        load.withLock { $0.awake() }
    }

    /// `--rate`: holds the feeder until the pacer's slot for the next start, on the wake-up
    /// semaphore with that deadline, so a stop ends the wait at once. Nil when the run stops;
    /// else the slot's time (`.some(nil)` without a pacer).
    private func pace() -> Date?? {
        guard let start = pacer.withLock({ $0?.reserveStart() }) else { return .some(nil) }
        while DispatchTime.now().uptimeNanoseconds < start {
            if isStopping { return nil }
            _ = wakeup.wait(timeout: DispatchTime(uptimeNanoseconds: start))
        }
        if isStopping { return nil }
        let late = DispatchTime.now().uptimeNanoseconds - start
        return .some(Date(timeIntervalSinceNow: -Double(late) / 1e9))
    }

    /// The slot goes back without a request.
    private func release() {
        load.withLock { $0.released() }
        slots.signal()
    }

    /// Work chosen but not started because the run stops.
    private func abandon(_ work: Work) {
        if case .submit(let claim) = work { withdrawFromSpend(claim.jobID) }
    }

    private func start(_ work: Work, at started: Date) {
        switch work {
        case .submit(let claim): startSubmissions([claim], at: started)
        case .poll(let claim): startPoll(claim, at: started)
        case .pollAttempt(let claim): startAttemptPoll(claim, at: started)
        case .idle, .stop: break
        }
    }

    /// Claims `batch` in one transaction (each attempt recorded before its POST), then sends
    /// each claimed job; a job another run or a webhook took meanwhile gives its slot back.
    private func startSubmissions(_ batch: [SubmissionClaim], at started: Date) {
        if isStopping {
            for claim in batch { abandon(.submit(claim)) }
            for _ in batch { release() }
            return
        }
        let results: [SubmissionClaimResult]
        let term = lease.withLock { $0.term }
        do {
            let (runID, configuration) = (runID, configuration)
            let jobIDs = batch.map(\.jobID)
            results = try wait { store in
                try await store.claimSubmissions(
                    jobIDs: jobIDs, runID: runID, webhookOfOurs: configuration.webhookOfOurs,
                    doubtWait: configuration.doubtWait, account: configuration.account)
            }
        } catch {
            storeFailed(error, while: "recording a submission attempt")
            for claim in batch {
                withdrawFromSpend(claim.jobID)
                release()
            }
            return
        }
        // The lease lapsed while the claims were on their way (the process was stopped, say):
        // another runner may have taken them over since, so none is sent now.
        if !lease.withLock({ $0.holds(term: term) }) {
            for (claim, result) in zip(batch, results) { giveBack(claim, result) }
            return
        }
        for (claim, result) in zip(batch, results) { send(claim, result, at: started) }
    }

    /// A claim granted in a term of the lease that has ended goes back unsent: no longer in
    /// doubt in the store (unless another runner holds it now), and submitted again by this run
    /// once its lease holds, where the store still lets it (`claimSubmissions`).
    private func giveBack(_ claim: SubmissionClaim, _ result: SubmissionClaimResult) {
        withdrawFromSpend(claim.jobID)
        release()
        guard case .claimed = result else { return }
        do {
            let runID = runID
            try wait { store in
                try await store.recordSubmissionUnresolved(
                    jobID: claim.jobID, error: "not sent: the run's lease lapsed before its POST", keepInDoubt: false,
                    runID: runID)
            }
        } catch {
            storeFailed(error, while: "giving back a submission not sent")
            return
        }
        if !stop.withLock({ $0.submissionsOver }) { submissions.withLock { $0.resubmitLater(claim) } }
    }

    /// Acts on one job's claim: sends it, or gives its slot back.
    private func send(_ claim: SubmissionClaim, _ result: SubmissionClaimResult, at started: Date) {
        let duplicate: Bool
        switch result {
        case .claimed(let possibleDuplicate):
            duplicate = possibleDuplicate
        case .gone:
            withdrawFromSpend(claim.jobID)
            release()  // no longer unsubmitted (a webhook or retry moved it), or another live run's claim
            return
        case .waitForWebhook(let until):
            // Sent with a webhook URL of ours: its webhook may still name the request.
            withdrawFromSpend(claim.jobID)
            if submissions.withLock({ $0.waitForWebhook(claim, until: until) }) {
                tally.withLock { $0.doubtsWaited += 1 }
                logger.with("job.id", claim.jobID).info(
                    "job \(claim.jobID)'s last submission is in doubt: waiting up to \(mention("the doubt wait", .doubtWait)) for its webhook before resubmitting"
                )
            }
            release()
            return
        }
        beginRequest { statistics in
            statistics.submissions += 1
            if duplicate { statistics.possibleDuplicates += 1 }
        }
        logStart("submit", jobID: claim.jobID, at: started)
        let webhookURL = WebhookURL.callbackURL(
            base: configuration.webhookBaseURL, jobID: claim.jobID, secret: secret.withLock { $0 })
        client.submit(imageURL: claim.url, webhookURL: webhookURL, mode: claim.mode) { result in
            // The request id is committed at once (with the answers that came meanwhile), on the
            // commit queue, before the slot is freed: at most `concurrency` accepted submissions
            // can ever be unrecorded.
            self.submissionAnswered(SubmissionAnswer(claim: claim, result: result))
        }
    }

    private func startAttemptPoll(_ claim: AttemptPollClaim, at started: Date) {
        beginRequest { $0.polls += 1 }
        logStart("poll-duplicate", jobID: claim.jobID, requestID: claim.requestID, at: started)
        polls.withLock { $0.started(claim) }
        client.status(requestID: claim.requestID) { result in
            self.handleAttemptPoll(claim, result)
            self.endRequest()
        }
    }

    private func startPoll(_ claim: PollClaim, at started: Date) {
        beginRequest { $0.polls += 1 }
        logStart("poll", jobID: claim.jobID, requestID: claim.requestID, at: started)
        client.status(requestID: claim.requestID) { result in
            self.handlePoll(claim, result)
            self.endRequest()
        }
    }

    private func beginRequest(_ count: (inout RunStatistics) -> Void) {
        let inFlight = load.withLock { $0.requestStarted() }
        tally.withLock { statistics in
            statistics.maxInFlight = max(statistics.maxInFlight, inFlight)
            count(&statistics)
        }
    }

    /// `--verbose`: a line per request with the time the feeder let it go (the pacer's slot
    /// under `--rate`), so starts can be counted per second, across runners too. Built only
    /// when that level is on: the run's hot path.
    private func logStart(_ call: String, jobID: Int64, requestID: String? = nil, at started: Date) {
        guard logger.logLevel <= .debug else { return }
        var metadata: Logger.Metadata = [
            "api.call": "\(call)", "job.id": "\(jobID)", "request.started_at": "\(UTCTime.milliseconds(started))",
        ]
        if let requestID { metadata["job.request_id"] = "\(requestID)" }
        logger.debug("request started", metadata: metadata)
    }

    /// A submission that the API did not take will never be quoted.
    func withdrawFromSpend(_ jobID: Int64) {
        submissions.withLock { $0.withdrawn(job: jobID) }
    }

    func endRequest() {
        load.withLock { $0.requestEnded() }
        slots.signal()
        // An answer may have made work (a quote, a resubmission).
        wakeFeeder()
    }

    /// The store could not be written (locked past the busy timeout, disk full): stop the run
    /// rather than lose track of what the API accepted.
    func storeFailed(_ error: StoreError, while doing: String) {
        logger.error("job store error while \(doing): \(error.description)")
        requestStop(.storeUnavailable(message: error.description))
    }
}
