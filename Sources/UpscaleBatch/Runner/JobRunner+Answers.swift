import Dispatch
import Foundation
import Logging
import Synchronization

/// What the runner does with each answer of the API.
extension JobRunner {
    /// Queues a submission's answer for the commit queue; the first of a group schedules the
    /// commit at once.
    func submissionAnswered(_ answer: SubmissionAnswer) {
        if submissionCommits.withLock({ $0.add(answer) }) {
            commitQueue.async { self.commitSubmissionAnswers() }
        }
    }

    /// Runs on the commit queue: the request ids that came together are committed in one
    /// transaction before anything else happens; then each answer is acted on, in the order
    /// they came, and its slot freed.
    private func commitSubmissionAnswers() {
        let answers = submissionCommits.withLock { $0.take() }
        let firstPoll = StoreClock.millis() + Int64(schedule.firstDelay * 1000)
        let accepted = answers.compactMap { answer -> SubmittedRequest? in
            guard case .success(let requestID) = answer.result else { return nil }
            return SubmittedRequest(jobID: answer.claim.jobID, requestID: requestID, firstPollAt: firstPoll, runID: runID)
        }
        do throws(StoreError) {
            if !accepted.isEmpty {
                try wait { store in try await store.recordSubmitted(accepted) }
                polls.withLock { $0.dueBy(firstPoll) }
            }
        } catch {
            storeFailed(error, while: "recording a submission's answer")
            for _ in answers { endRequest() }
            return
        }
        for answer in answers {
            handleSubmission(answer.claim, answer.result)
            endRequest()
        }
    }

    /// One submission's answer, its request id (if any) committed already.
    private func handleSubmission(_ claim: SubmissionClaim, _ result: Result<String, EnhancorError>) {
        do throws(StoreError) {
            switch result {
            case .success:
                tally.withLock { $0.accepted += 1 }
                unknownRequests.withLock { $0.submissionAccepted() }
                if let decision = streak.withLock({ $0.accepted() }) { try apply(decision) }
            case .failure(let error):
                try handleSubmissionFailure(claim, error)
            }
        } catch {
            storeFailed(error, while: "recording a submission's answer")
        }
    }

    /// Marks a submission without a usable answer (see `JobStore.recordSubmissionUnresolved`).
    private func unresolved(_ jobID: Int64, _ error: String, keepInDoubt: Bool) throws(StoreError) {
        let runID = runID
        try wait { store in
            try await store.recordSubmissionUnresolved(jobID: jobID, error: error, keepInDoubt: keepInDoubt, runID: runID)
        }
    }

    private func handleSubmissionFailure(_ claim: SubmissionClaim, _ error: EnhancorError) throws(StoreError) {
        let jobLogger = logger.with("job.id", claim.jobID)
        if case .ambiguous = error {} else { withdrawFromSpend(claim.jobID) }
        switch error {
        case .rejected(_, let message):
            tally.withLock { $0.refused += 1 }
            // Only a refusal streak (or the cap) settles later refusals; a halted run's are
            // still judged by the streak, whose held jobs `finish` records.
            let stoppedAlready = stop.withLock { $0.submissionsEnded != nil }
            let decisions = stoppedAlready ? [] : streak.withLock { $0.refused(job: claim.jobID, message: message) }
            if stoppedAlready {
                // Refused after the streak stopped the run: it goes back to unsubmitted too.
                try unresolved(claim.jobID, "refused: \(message)", keepInDoubt: false)
            }
            for decision in decisions { try apply(decision) }
        case .unauthorized:
            try unresolved(claim.jobID, error.description, keepInDoubt: false)
            requestStop(.unauthorized)
        case .ambiguous:
            // The API may have created a request we cannot name: keep the attempt in doubt, so
            // the next submission of this job is flagged as a possible duplicate charge.
            try unresolved(claim.jobID, error.description, keepInDoubt: true)
            jobLogger.warning(
                "submission of job \(claim.jobID) got no readable answer; resubmitting it (possible duplicate charge)")
            tally.withLock { $0.ambiguous += 1 }
            if !stop.withLock({ $0.submissionsOver }) { submissions.withLock { $0.resubmitLater(claim) } }
        case .cancelled:
            // The request never left (the client was stopped while it waited): nothing in doubt.
            try unresolved(claim.jobID, error.description, keepInDoubt: false)
        case .configuration(let detail):
            // Every request would fail the same way: stop, nothing marked FAILED.
            try unresolved(claim.jobID, error.description, keepInDoubt: false)
            requestStop(.configuration(message: detail))
        case .transient, .rateLimited, .malformed:
            try unresolved(claim.jobID, error.description, keepInDoubt: false)
            jobLogger.warning("job \(claim.jobID) stays unsubmitted: \(error.description)")
            tally.withLock { $0.unsubmittedAfterErrors += 1 }
        }
    }

    /// Carries out a refusal-streak decision.
    private func apply(_ decision: RefusalStreak.Decision) throws(StoreError) {
        switch decision {
        case .hold:
            break
        case .fail(let jobs, let message):
            try wait { store in try await store.recordRefused(jobIDs: jobs, message: message) }
            logger.warning("the API refused \(jobs.count) job(s): \(message)")
        case .stop(let jobs, let message):
            for job in jobs { try unresolved(job, "refused: \(message)", keepInDoubt: false) }
            _ = stop.withLock { $0.endSubmissions(.refusalStreak(message: message)) }
            logger.error(
                "the API refused \(jobs.count) jobs in a row with \"\(message)\": stopped submitting; they stay unsubmitted")
        }
    }

    /// Runs on the client's thread: decides the next poll and queues the answer for a batched commit.
    func handlePoll(_ claim: PollClaim, _ result: Result<StatusAnswer, EnhancorError>) {
        let now = StoreClock.millis()
        switch result {
        case .success(let answer):
            unknownRequests.withLock { $0.pollAnswered() }
            if answer.state == nil { tally.withLock { $0.unknownStatuses += 1 } }
            if let cost = answer.cost { submissions.withLock { $0.quoted(job: claim.jobID, cost: cost) } }
            let webhooksActive = webhooks.withLock { $0.active }
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
            tally.withLock { $0.pollErrors += 1 }
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
            tally.withLock { $0.notFoundAnswers += 1 }
            let rule = UnknownRequestRule(
                afterMillis: Int64(configuration.unknownRequestAfter * 1000), mayFail: unknownRequests.withLock { $0.apiAnswered }
            )
            queuePollResult(PollResult(claim: claim, answer: nil, nextPollAt: now, notFound: true, unknownRule: rule))
            return
        }
        tally.withLock { $0.notFoundAnswers += 1 }
        let verdict = unknownRequests.withLock { $0.notFound(claim.requestID) }
        let rule = UnknownRequestRule(afterMillis: Int64(configuration.unknownRequestAfter * 1000), mayFail: verdict.mayFail)
        if verdict.everyPollUnknown {
            let message = everyPollUnknownMessage
            logger.error("\(message); nothing was marked FAILED")
            requestStop(.configuration(message: message))
            queuePollResult(PollResult(claim: claim, answer: nil, nextPollAt: now))
            return
        }
        logger.warning("the API does not know request id \(claim.requestID) (job \(claim.jobID)): HTTP 404")
        // Not sooner than the usual schedule: three 404s must span the unknown-request wait anyway.
        let delay = schedule.delay(afterPolls: claim.pollCount + 1, costKnown: false, webhooksActive: false)
        queuePollResult(
            PollResult(claim: claim, answer: nil, nextPollAt: now + Int64(delay * 1000), notFound: true, unknownRule: rule))
    }

    /// Every poll answered 404: the base URL must be wrong (named the way the caller sets it).
    var everyPollUnknownMessage: String {
        "the API answers 404 to every status poll: check \(configuration.naming(.baseURL) ?? "the API's base URL")"
    }

    /// The one poll of a duplicate attempt: its cost is recorded at once (a rare event).
    func handleAttemptPoll(_ claim: AttemptPollClaim, _ result: Result<StatusAnswer, EnhancorError>) {
        tally.withLock { $0.duplicateAttemptPolls += 1 }
        var answer: StatusAnswer?
        var notFound = false
        switch result {
        case .success(let value):
            answer = value
            tally.withLock { $0.duplicateAttemptCost += value.cost ?? 0 }
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
                try self.wait { store in try await store.recordDuplicateAttemptPoll(claim, answer: found, notFound: missing) }
            } catch {
                self.storeFailed(error, while: "recording a duplicate request's cost")
            }
        }
    }

    /// How long the first poll answer of a group waits for others before their commit. A poll's
    /// slot is free once its answer is queued, and an answer lost to a crash is only asked again,
    /// so waiting costs nothing but this much delay; on a busy run it makes one transaction of
    /// tens of answers instead of two or three (about a tenth less runner CPU per job, measured
    /// with `upscale-bench run`).
    static let pollCommitWindow = DispatchTimeInterval.milliseconds(25)

    /// Answers that arrive within `pollCommitWindow` of the first, or while a commit is under
    /// way, are committed together.
    private func queuePollResult(_ result: PollResult) {
        let scheduleFlush = pollCommits.withLock { $0.add(result) }
        if scheduleFlush { pollCommitQueue.asyncAfter(deadline: .now() + Self.pollCommitWindow) { self.flushPollResults() } }
    }

    /// Commits the queued poll answers in one transaction. Runs on the poll commit queue.
    func flushPollResults() {
        let batch = pollCommits.withLock { $0.take() }
        if batch.isEmpty { return }
        do throws(StoreError) {
            let unknown = try wait { store in try await store.recordPollResults(batch) }
            if !unknown.isEmpty {
                tally.withLock { $0.unknownRequests += unknown.count }
                logger.warning(
                    "\(unknown.count) job(s) FAILED: the API does not know their request id (404 over \(mention("the unknown-request wait", .unknownRequestAfter)))"
                )
            }
        } catch {
            storeFailed(error, while: "recording status answers")
            return
        }
        // The committed answers set their jobs' next polls: the feeder asks by the earliest.
        if let earliest = batch.map(\.nextPollAt).min() {
            polls.withLock { $0.dueBy(earliest) }
            wakeFeeder()
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
