import Dispatch
import Foundation
import Logging
import Synchronization

/// What the runner does with each answer of the API.
extension JobRunner {
    /// Runs on the commit queue: the request id is committed before anything else happens.
    func handleSubmission(_ claim: SubmissionClaim, _ result: Result<String, EnhancorError>) {
        do {
            switch result {
            case .success(let requestID):
                let firstPoll = StoreClock.millis() + Int64(schedule.firstDelay * 1000)
                try StoreBridge.wait { () async throws(StoreError) in
                    try await self.store.recordSubmitted(jobID: claim.jobID, requestID: requestID, firstPollAt: firstPoll)
                }
                let decision = state.withLock { state in
                    state.statistics.accepted += 1
                    state.apiAnswered = true
                    return state.streak.accepted()
                }
                if let decision { try apply(decision) }
            case .failure(let error):
                try handleSubmissionFailure(claim, error)
            }
        } catch let error as StoreError {
            storeFailed(error, while: "recording a submission's answer")
        } catch {
            storeFailed(.sqlite(path: store.displayName, detail: "\(error)"), while: "recording a submission's answer")
        }
    }

    private func handleSubmissionFailure(_ claim: SubmissionClaim, _ error: EnhancorError) throws {
        let jobLogger = logger.with("job.id", claim.jobID)
        if case .ambiguous = error {} else { withdrawFromSpend(claim.jobID) }
        switch error {
        case .rejected(_, let message):
            let (stoppedAlready, decisions) = state.withLock { state in
                state.statistics.refused += 1
                if state.submissionsStopped { return (true, [RefusalStreak.Decision]()) }
                return (false, state.streak.refused(job: claim.jobID, message: message))
            }
            if stoppedAlready {
                // Refused after the streak stopped the run: it goes back to unsubmitted too.
                try StoreBridge.wait { () async throws(StoreError) in
                    try await self.store.recordSubmissionUnresolved(
                        jobID: claim.jobID, error: "refused: \(message)", keepInDoubt: false)
                }
            }
            for decision in decisions { try apply(decision) }
        case .unauthorized:
            try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.recordSubmissionUnresolved(jobID: claim.jobID, error: error.description, keepInDoubt: false)
            }
            requestStop(.unauthorized)
        case .ambiguous:
            // The API may have created a request we cannot name: keep the attempt in doubt, so
            // the next submission of this job is flagged as a possible duplicate charge.
            try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.recordSubmissionUnresolved(jobID: claim.jobID, error: error.description, keepInDoubt: true)
            }
            jobLogger.warning(
                "submission of job \(claim.jobID) got no readable answer; resubmitting it (possible duplicate charge)")
            state.withLock { state in
                state.statistics.ambiguous += 1
                if state.stopOutcome == nil && !state.submissionsStopped { state.resubmit.append(claim) }
            }
        case .cancelled:
            // The request never left (the client was stopped while it waited): nothing in doubt.
            try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.recordSubmissionUnresolved(jobID: claim.jobID, error: error.description, keepInDoubt: false)
            }
        case .configuration(let detail):
            // Every request would fail the same way: stop, nothing marked FAILED.
            try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.recordSubmissionUnresolved(jobID: claim.jobID, error: error.description, keepInDoubt: false)
            }
            requestStop(.configuration(message: detail))
        case .transient, .rateLimited, .malformed:
            try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.recordSubmissionUnresolved(jobID: claim.jobID, error: error.description, keepInDoubt: false)
            }
            jobLogger.warning("job \(claim.jobID) stays unsubmitted: \(error.description)")
            state.withLock { $0.statistics.unsubmittedAfterErrors += 1 }
        }
    }

    /// Carries out a refusal-streak decision.
    private func apply(_ decision: RefusalStreak.Decision) throws {
        switch decision {
        case .hold:
            break
        case .fail(let jobs, let message):
            try StoreBridge.wait { () async throws(StoreError) in
                try await self.store.recordRefused(jobIDs: jobs, message: message)
            }
            logger.warning("the API refused \(jobs.count) job(s): \(message)")
        case .stop(let jobs, let message):
            for job in jobs {
                try StoreBridge.wait { () async throws(StoreError) in
                    try await self.store.recordSubmissionUnresolved(jobID: job, error: "refused: \(message)", keepInDoubt: false)
                }
            }
            state.withLock { state in
                state.submissionsStopped = true
                state.refusalStopMessage = message
            }
            logger.error(
                "the API refused \(jobs.count) jobs in a row with \"\(message)\": stopped submitting; they stay unsubmitted")
        }
    }

    /// Runs on the client's thread: decides the next poll and queues the answer for a batched commit.
    func handlePoll(_ claim: PollClaim, _ result: Result<StatusAnswer, EnhancorError>) {
        let now = StoreClock.millis()
        switch result {
        case .success(let answer):
            let webhooksActive = state.withLock { state in
                state.apiAnswered = true
                state.notFoundStreak = 0
                if answer.state == nil { state.statistics.unknownStatuses += 1 }
                if let cost = answer.cost { state.spend?.quoted(job: claim.jobID, cost: cost) }
                return state.webhooksActive
            }
            if answer.state == nil {
                logger.warning("unknown status \"\(answer.rawStatus)\" for request \(claim.requestID); treating it as in flight")
            }
            let delay = schedule.delay(
                afterPolls: claim.pollCount + 1, costKnown: answer.cost != nil, webhooksActive: webhooksActive)
            queuePollResult(PollResult(claim: claim, answer: answer, nextPollAt: now + Int64(delay * 1000)))
        case .failure(.rejected(status: 404, _)):
            handleNotFound(claim, now: now)
        case .failure(let error):
            if case .unauthorized = error { requestStop(.unauthorized) }
            if case .configuration(let detail) = error { requestStop(.configuration(message: detail)) }
            let retryIn: Double = if case .cancelled = error { 0 } else { configuration.pollInterval }
            state.withLock { $0.statistics.pollErrors += 1 }
            if case .cancelled = error {
            } else {
                logger.warning("status of request \(claim.requestID) (job \(claim.jobID)): \(error.description)")
            }
            queuePollResult(PollResult(claim: claim, answer: nil, nextPollAt: now + Int64(retryIn * 1000)))
        }
    }

    /// A 404: the API does not know the request id. Counted on the job (the store decides, with
    /// the rule, whether it ends); when every poll of the run is answered so (at least 20 in a
    /// row, for at least 5 request ids, none answered otherwise) the base URL is wrong: stop
    /// with nothing failed.
    ///
    /// A final job's one cost poll counts for neither: old jobs whose request ids the API has
    /// expired must not make a run with a right base URL stop, and their cost is given up only
    /// in a run where the API answers other polls.
    private func handleNotFound(_ claim: PollClaim, now: Int64) {
        if claim.isFinal {
            let rule = state.withLock { state in
                state.statistics.notFoundAnswers += 1
                return UnknownRequestRule(
                    afterMillis: Int64(configuration.unknownRequestAfter * 1000), mayFail: state.apiAnswered)
            }
            queuePollResult(PollResult(claim: claim, answer: nil, nextPollAt: now, notFound: true, unknownRule: rule))
            return
        }
        let (stop, rule) = state.withLock { state -> (Bool, UnknownRequestRule) in
            state.statistics.notFoundAnswers += 1
            state.notFoundStreak += 1
            state.notFoundIDs.insert(claim.requestID)
            let everyPoll =
                !state.apiAnswered && state.notFoundStreak >= Self.notFoundStreakLimit
                && state.notFoundIDs.count >= Self.notFoundDistinctLimit
            let mayFail = state.apiAnswered || state.notFoundIDs.count < Self.notFoundDistinctLimit
            return (everyPoll, UnknownRequestRule(afterMillis: Int64(configuration.unknownRequestAfter * 1000), mayFail: mayFail))
        }
        if stop {
            logger.error("\(Self.everyPollUnknownMessage); nothing was marked FAILED")
            requestStop(.configuration(message: Self.everyPollUnknownMessage))
            queuePollResult(PollResult(claim: claim, answer: nil, nextPollAt: now))
            return
        }
        logger.warning("the API does not know request id \(claim.requestID) (job \(claim.jobID)): HTTP 404")
        // Not sooner than the usual schedule: three 404s must span --unknown-request-after anyway.
        let delay = schedule.delay(afterPolls: claim.pollCount + 1, costKnown: false, webhooksActive: false)
        queuePollResult(
            PollResult(claim: claim, answer: nil, nextPollAt: now + Int64(delay * 1000), notFound: true, unknownRule: rule))
    }

    static let notFoundStreakLimit = 20
    static let notFoundDistinctLimit = 5
    static let everyPollUnknownMessage = "the API answers 404 to every status poll: check --base-url"

    /// The one poll of a duplicate attempt: its cost is recorded at once (a rare event).
    func handleAttemptPoll(_ claim: AttemptPollClaim, _ result: Result<StatusAnswer, EnhancorError>) {
        state.withLock { $0.statistics.duplicateAttemptPolls += 1 }
        var answer: StatusAnswer?
        var notFound = false
        switch result {
        case .success(let value):
            answer = value
            state.withLock { $0.statistics.duplicateAttemptCost += value.cost ?? 0 }
        case .failure(.rejected(status: 404, _)):
            notFound = true
        case .failure(let error):
            if case .unauthorized = error { requestStop(.unauthorized) }
            logger.warning("status of duplicate request \(claim.requestID) (job \(claim.jobID)): \(error.description)")
            return
        }
        let (found, missing) = (answer, notFound)
        commitQueue.async {
            do throws(StoreError) {
                try StoreBridge.wait { () async throws(StoreError) in
                    try await self.store.recordDuplicateAttemptPoll(claim, answer: found, notFound: missing)
                }
            } catch {
                self.storeFailed(error, while: "recording a duplicate request's cost")
            }
        }
    }

    /// Answers that arrive while a commit is under way are committed together in the next one.
    private func queuePollResult(_ result: PollResult) {
        let scheduleFlush = state.withLock { state in
            state.pendingPollResults.append(result)
            if state.flushScheduled { return false }
            state.flushScheduled = true
            return true
        }
        if scheduleFlush { pollCommitQueue.async { self.flushPollResults() } }
    }

    /// Commits the queued poll answers in one transaction. Runs on the poll commit queue.
    func flushPollResults() {
        let batch = state.withLock { state in
            defer {
                state.pendingPollResults = []
                state.flushScheduled = false
            }
            return state.pendingPollResults
        }
        do {
            let unknown = try StoreBridge.wait { () async throws(StoreError) in try await self.store.recordPollResults(batch) }
            if !unknown.isEmpty {
                state.withLock { $0.statistics.unknownRequests += unknown.count }
                logger.warning(
                    "\(unknown.count) job(s) FAILED: the API does not know their request id (404 over --unknown-request-after)")
            }
        } catch {
            storeFailed(error, while: "recording status answers")
            return
        }
        if let observer = configuration.onJobCompleted {
            for result in batch where result.answer?.state == .completed && result.answer?.resultURL != nil {
                observer(result.claim.jobID)
            }
        }
    }
}

extension Logger {
    /// A copy of this logger with one more metadata value.
    func with(_ key: String, _ value: some CustomStringConvertible) -> Logger {
        var copy = self
        copy[metadataKey: key] = "\(value)"
        return copy
    }
}
