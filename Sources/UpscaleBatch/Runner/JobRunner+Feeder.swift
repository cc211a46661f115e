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
        case idle(seconds: Double)
        case stop
    }

    func feed() {
        while true {
            slots.wait()
            switch nextWork() {
            case .submit(let claim):
                pace()
                startSubmission(claim)
            case .poll(let claim):
                pace()
                startPoll(claim)
            case .pollAttempt(let claim):
                pace()
                startAttemptPoll(claim)
            case .idle(let seconds):
                slots.signal()
                state.withLock { $0.feederIdle = true }
                _ = wakeup.wait(timeout: .now() + seconds)
                state.withLock { $0.feederIdle = false }
            case .stop:
                slots.signal()
                return
            }
        }
    }

    /// Polls first (they finish jobs and bring costs), then resubmissions, then new jobs.
    func nextWork() -> Work {
        let (stopping, pollsQueued, noClaimBefore) = state.withLock {
            ($0.stopOutcome != nil || $0.finished, !$0.pollQueue.isEmpty, $0.noPollClaimBefore)
        }
        if stopping { return .stop }
        let now = StoreClock.millis()
        if !pollsQueued && now >= noClaimBefore {
            do {
                let claims = try StoreBridge.wait { () async throws(StoreError) in
                    try await self.store.claimDuePolls(limit: self.configuration.concurrency, batch: self.configuration.batch)
                }
                state.withLock { state in
                    state.pollQueue.append(contentsOf: claims)
                    if claims.isEmpty { state.noPollClaimBefore = now + 50 }
                }
            } catch {
                storeFailed(error, while: "claiming polls")
                return .idle(seconds: 0.5)
            }
        }
        if let poll = state.withLock({ $0.pollQueue.isEmpty ? nil : $0.pollQueue.removeFirst() }) {
            return .poll(poll)
        }
        // Left in the list until its request has started, so the run cannot end in between.
        if let attempt = state.withLock({ $0.attemptPolls.first }) {
            return .pollAttempt(attempt)
        }
        if let submission = nextSubmission() { return .submit(submission) }
        return .idle(seconds: 0.05)
    }

    private func nextSubmission() -> SubmissionClaim? {
        let (stopped, needsRefill, cursor) = state.withLock { state -> (Bool, Bool, Int64) in
            let stopped = state.submissionsStopped
            return (stopped, state.resubmit.isEmpty && state.submitQueue.isEmpty && !state.cursorExhausted, state.cursor)
        }
        if stopped { return nil }
        // Attempts in doubt whose wait for a webhook is over go first.
        let now = StoreClock.millis()
        let due = state.withLock { state -> SubmissionClaim? in
            guard let index = state.waitingForWebhook.firstIndex(where: { $0.until <= now }) else { return nil }
            return state.waitingForWebhook.remove(at: index).claim
        }
        if let due { return due }
        if needsRefill {
            do {
                let claims = try StoreBridge.wait { () async throws(StoreError) in
                    try await self.store.unsubmittedJobs(runID: self.runID, afterID: cursor, limit: 256)
                }
                state.withLock { state in
                    state.submitQueue = claims
                    if let last = claims.last { state.cursor = last.jobID } else { state.cursorExhausted = true }
                }
            } catch {
                storeFailed(error, while: "reading unsubmitted jobs")
                return nil
            }
        }
        let (claim, capReached) = state.withLock { state -> (SubmissionClaim?, Bool) in
            let fromResubmit = !state.resubmit.isEmpty
            guard let next = fromResubmit ? state.resubmit.first : state.submitQueue.first else { return (nil, false) }
            if var spend = state.spend {
                switch spend.decide(next.mode) {
                case .waitForQuote:
                    return (nil, false)
                case .capReached:
                    state.submissionsStopped = true
                    state.spendCapReached = true
                    return (nil, true)
                case .submit:
                    spend.submitted(job: next.jobID, mode: next.mode)
                    state.spend = spend
                }
            }
            if fromResubmit { state.resubmit.removeFirst() } else { state.submitQueue.removeFirst() }
            return (next, false)
        }
        if capReached {
            logger.warning("the spending cap was reached: no more submissions; the remaining jobs stay unsubmitted")
        }
        return claim
    }

    /// `--rate`: holds the feeder until the next request may start.
    private func pace() {
        let delay = state.withLock { state in state.pacer?.reserve() ?? 0 }
        if delay > 0 { usleep(UInt32(min(delay, 10) * 1_000_000)) }
    }

    private func startSubmission(_ claim: SubmissionClaim) {
        let result: SubmissionClaimResult
        do {
            result = try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.claimSubmission(
                    jobID: claim.jobID, runID: self.runID, webhookOfOurs: self.configuration.webhookOfOurs,
                    doubtWait: self.configuration.doubtWait, account: self.configuration.account)
            }
        } catch {
            storeFailed(error, while: "recording a submission attempt")
            slots.signal()
            return
        }
        let duplicate: Bool
        switch result {
        case .claimed(let possibleDuplicate):
            duplicate = possibleDuplicate
        case .gone:
            withdrawFromSpend(claim.jobID)
            slots.signal()  // no longer unsubmitted (a webhook or retry moved it), or another live run's claim
            return
        case .waitForWebhook(let until):
            // Sent with a webhook URL of ours: its webhook may still name the request.
            withdrawFromSpend(claim.jobID)
            let first = state.withLock { state in
                let first = !state.waitingForWebhook.contains { $0.claim.jobID == claim.jobID }
                if first {
                    state.waitingForWebhook.append((claim, until))
                    state.statistics.doubtsWaited += 1
                }
                return first
            }
            if first {
                logger.with("job.id", claim.jobID).info(
                    "job \(claim.jobID)'s last submission is in doubt: waiting up to --doubt-wait for its webhook before resubmitting"
                )
            }
            slots.signal()
            return
        }
        beginRequest { statistics in
            statistics.submissions += 1
            if duplicate { statistics.possibleDuplicates += 1 }
        }
        let webhookURL = WebhookURL.callbackURL(base: configuration.webhookBaseURL, jobID: claim.jobID, secret: secret)
        client.submit(imageURL: claim.url, webhookURL: webhookURL, mode: claim.mode) { result in
            // The request id is committed at once, on the commit queue, before the slot is freed:
            // at most `concurrency` accepted submissions can ever be unrecorded.
            self.commitQueue.async {
                self.handleSubmission(claim, result)
                self.endRequest()
            }
        }
    }

    private func startAttemptPoll(_ claim: AttemptPollClaim) {
        beginRequest { $0.polls += 1 }
        state.withLock { state in state.attemptPolls.removeAll { $0 == claim } }
        client.status(requestID: claim.requestID) { result in
            self.handleAttemptPoll(claim, result)
            self.endRequest()
        }
    }

    private func startPoll(_ claim: PollClaim) {
        beginRequest { $0.polls += 1 }
        client.status(requestID: claim.requestID) { result in
            self.handlePoll(claim, result)
            self.endRequest()
        }
    }

    private func beginRequest(_ count: (inout RunStatistics) -> Void) {
        state.withLock { state in
            state.inFlight += 1
            state.statistics.maxInFlight = max(state.statistics.maxInFlight, state.inFlight)
            count(&state.statistics)
        }
    }

    /// A submission that the API did not take will never be quoted.
    func withdrawFromSpend(_ jobID: Int64) {
        state.withLock { state in state.spend?.withdrawn(job: jobID) }
    }

    func endRequest() {
        let idle = state.withLock { state in
            state.inFlight -= 1
            return state.feederIdle
        }
        slots.signal()
        // Wake the feeder only when it waits for work: an answer may have made some due.
        if idle { wakeup.signal() }
    }

    /// The store could not be written (locked past the busy timeout, disk full): stop the run
    /// rather than lose track of what the API accepted.
    func storeFailed(_ error: StoreError, while doing: String) {
        logger.error("job store error while \(doing): \(error.description)")
        requestStop(.storeUnavailable(message: error.description))
    }
}
