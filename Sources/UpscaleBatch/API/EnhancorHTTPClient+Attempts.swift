import AsyncHTTPClient
import Dispatch
import Logging
import NIOCore
import Synchronization

/// The retry loop: admit at the gate, send, judge, then finish, retry, pause or park.
/// Every wait is a timer on an event loop; every decision is one critical section.
extension EnhancorHTTPClient {
    var policy: RetryPolicy { configuration.retry }

    func start<S>(_ call: PendingCall<S>) {
        admit(call)
    }

    /// Passes the gate: send now, as a probe, after a pause, or queue for the outage's probes.
    func admit<S>(_ call: PendingCall<S>) {
        let now = Self.now()
        let waiting = makeWaiting(call)
        let step: AdmitStep = control.withLock { state in
            if state.cancelled { return .cancel }
            switch state.gate.admit(waiting, now: now) {
            case .proceed: return .send(probe: false)
            case .proceedAsProbe: return .send(probe: true)
            case .wait(let until): return .wait(until: until)
            case .queued: return .queued
            }
        }
        switch step {
        case .cancel:
            finish(call, .failure(.cancelled))
        case .send(let probe):
            send(call, probe: probe)
        case .wait(let until):
            // Spread the restart a little (never before `until`) so a paused crowd does not
            // hit the server in the same millisecond.
            let spread = Double.random(in: 0...min(1.0, max(0.05, (until - now) * 0.2)))
            schedule(call, at: until + spread)
        case .queued:
            pump()
        }
    }

    func makeWaiting<S>(_ call: PendingCall<S>) -> ClientControlState.Waiting {
        ClientControlState.Waiting(
            id: call.id,
            resume: { [self] asProbe in asProbe ? send(call, probe: true) : admit(call) },
            cancel: { [self] in finish(call, .failure(.cancelled)) })
    }

    /// Comes back to the gate at `time` (monotonic seconds), unless cancelled meanwhile.
    func schedule<S>(_ call: PendingCall<S>, at time: Double) {
        let waiting = makeWaiting(call)
        let registered = control.withLock { state in
            guard !state.cancelled else { return false }
            state.timed[call.id] = waiting
            return true
        }
        guard registered else { return finish(call, .failure(.cancelled)) }
        eventLoopGroup.next().scheduleTask(deadline: Self.deadline(at: time)) { [self] in
            let due = control.withLock { $0.timed.removeValue(forKey: call.id) != nil }
            if due { admit(call) }
        }
    }

    /// Lets the next outage probe out when one is due, or sets a timer for it.
    func pump(timerFired: Bool = false) {
        let now = Self.now()
        let action = control.withLock { state in
            let action = state.gate.pump(now: now, timerFired: timerFired)
            if case .launch = action { state.counters.probes += 1 }
            return action
        }
        switch action {
        case .none:
            break
        case .launch(let waiting):
            waiting.resume(true)
        case .scheduleTimer(let time):
            eventLoopGroup.next().scheduleTask(deadline: Self.deadline(at: time)) { [self] in
                pump(timerFired: true)
            }
        }
    }

    func send<S>(_ call: PendingCall<S>, probe: Bool) {
        control.withLock { $0.counters.requestsSent += 1 }
        let collector = ResponseCollector()
        let deadline = NIODeadline.now() + Self.timeAmount(configuration.requestTimeout)
        let started = NIODeadline.now()
        let task = httpClient.execute(request: call.request, delegate: collector, deadline: deadline)
        task.futureResult.whenComplete { [self] result in
            if let metrics = configuration.metrics {
                let status: Int? = if case .success(let response) = result { response.status } else { nil }
                let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
                metrics.apiRequest(endpoint: call.endpoint.rawValue, status: status, seconds: seconds)
            }
            let verdict: AttemptVerdict<S>
            switch result {
            case .success(let response):
                if !(200...299).contains(response.status) {
                    call.logger.debug(
                        "API answered with an error status",
                        metadata: [
                            "api.endpoint": "\(call.endpoint.rawValue)", "api.status": "\(response.status)",
                        ])
                }
                verdict = call.judge(response)
            case .failure(let error):
                verdict = Self.transportVerdict(
                    error, headSent: collector.headSent, endpoint: call.endpoint, naming: configuration.naming)
            }
            handle(call, probe: probe, verdict: verdict)
        }
    }

    static func transportVerdict<S>(
        _ error: any Error, headSent: Bool, endpoint: APIEndpoint, naming: (RunSetting) -> String? = { _ in nil }
    ) -> AttemptVerdict<S> {
        switch TransportFailure(error, headSent: headSent) {
        case .cancelled:
            return .final(.cancelled, serverAnswered: false)
        case .untrusted(let detail):
            return .final(
                .configuration(
                    detail: "the API's TLS certificate is not trusted"
                        + (naming(.caFile).map { " (give its CA with \($0))" } ?? "") + ": \(detail)"),
                serverAnswered: true)
        case .refusedLocally(let detail):
            // Nothing left the process and every attempt would be refused alike: stop, never
            // resubmit as if the API might have taken it.
            return .final(
                .configuration(detail: "the HTTP client refused to send the request (\(detail)); nothing reached the API"),
                serverAnswered: false)
        case .notSent(let detail):
            return .retry(.transient(detail: detail), countsTowardOutage: true)
        case .maybeSent(let detail):
            if endpoint.isIdempotent { return .retry(.transient(detail: detail), countsTowardOutage: true) }
            return .final(.ambiguous(detail: "sent, then no answer: \(detail)"), serverAnswered: false)
        }
    }

    func handle<S>(_ call: PendingCall<S>, probe: Bool, verdict: AttemptVerdict<S>) {
        let now = Self.now()
        switch verdict {
        case .success(let value):
            serverAnswered(now: now, success: true)
            finish(call, .success(value))
        case .final(.cancelled, _):
            finish(call, .failure(.cancelled))
        case .final(let error, let answered):
            if answered {
                serverAnswered(now: now, success: false)
            } else if case .configuration = error {
                // Refused before sending: says nothing about the API's health.
            } else {
                control.withLock { state in
                    _ = state.gate.recordTransientFailure(probe: probe, now: now)
                    state.counters.transientFailures += 1
                    if case .ambiguous = error { state.counters.ambiguous += 1 }
                }
                pump()
            }
            call.logger.debug(
                "API call failed", metadata: ["api.endpoint": "\(call.endpoint.rawValue)", "api.error": "\(error)"])
            finish(call, .failure(error))
        case .rateLimited(let header):
            rateLimited(call, header: header, now: now)
        case .retry(let error, let countsTowardOutage):
            retry(call, probe: probe, error: error, countsTowardOutage: countsTowardOutage, now: now)
        }
    }

    /// A readable answer: the server is up. Ends an outage (releasing the queue) and, for a
    /// success, refills the retry budget.
    private func serverAnswered(now: Double, success: Bool) {
        let (released, endedOutage) = control.withLock { state in
            if success { state.budget.recordSuccess(now: now) }
            let wasInOutage = state.gate.isInOutage
            let released = state.gate.recordAnswer()
            return (released, wasInOutage && !state.gate.isInOutage)
        }
        if endedOutage {
            logger.notice("the API answers again; resuming all requests", metadata: ["api.released": "\(released.count)"])
        }
        for waiting in released { waiting.resume(false) }
    }

    private func rateLimited<S>(_ call: PendingCall<S>, header: String?, now: Double) {
        var call = call
        call.rateLimitedCount += 1
        let pause = RetryAfter.pause(from: header, policy: policy)
        let giveUp = call.rateLimitedCount >= policy.maxRateLimitedAttempts
        let (newPause, released) = control.withLock { state in
            state.counters.rateLimited += 1
            let outcome = state.gate.recordRateLimit(pause: pause, now: now)
            if outcome.newPause { state.counters.rateLimitPauses += 1 }
            return (outcome.newPause, outcome.released)
        }
        if newPause {
            logger.warning(
                "rate limited by the API; pausing every request",
                metadata: [
                    "api.endpoint": "\(call.endpoint.rawValue)", "api.status": "429",
                    "api.retry_after": "\(pause)",
                ])
        }
        for waiting in released { waiting.resume(false) }
        if giveUp {
            finish(call, .failure(.rateLimited(retryAfter: RetryAfter.seconds(from: header))))
        } else {
            admit(call)
        }
    }

    private func retry<S>(_ call: PendingCall<S>, probe: Bool, error: EnhancorError, countsTowardOutage: Bool, now: Double) {
        if !countsTowardOutage { serverAnswered(now: now, success: false) }
        let waiting = makeWaiting(call)
        let policy = self.policy
        let next: RetryStep = control.withLock { state in
            state.counters.transientFailures += 1
            if state.cancelled { return .cancel }
            if countsTowardOutage {
                let outcome = state.gate.recordTransientFailure(probe: probe, now: now)
                if outcome.started { state.counters.outagePauses += 1 }
                if outcome.inOutage {
                    state.gate.park(waiting, atFront: probe)
                    return .park(started: outcome.started)
                }
            }
            if call.failures + 1 >= policy.maxAttempts { return .fail }
            if state.budget.withdraw(now: now) {
                state.counters.retries += 1
                var random = SystemRandomNumberGenerator()
                return .retry(after: policy.backoff(retry: call.failures + 1, using: &random))
            }
            state.counters.budgetRefusals += 1
            if countsTowardOutage, state.gate.enterOutage(now: now) {
                state.counters.outagePauses += 1
                state.gate.park(waiting, atFront: probe)
                return .park(started: true)
            }
            return .fail
        }
        switch next {
        case .cancel:
            finish(call, .failure(.cancelled))
        case .fail:
            call.logger.debug(
                "API call failed after retries", metadata: ["api.endpoint": "\(call.endpoint.rawValue)", "api.error": "\(error)"])
            finish(call, .failure(error))
        case .park(let started):
            if started {
                logger.warning(
                    "the API keeps failing; pausing all requests and probing",
                    metadata: [
                        "api.endpoint": "\(call.endpoint.rawValue)", "api.error": "\(error)",
                    ])
            }
            pump()
        case .retry(let delay):
            var charged = call
            charged.failures += 1
            schedule(charged, at: now + delay)
        }
    }

    func finish<S>(_ call: PendingCall<S>, _ result: Result<S, EnhancorError>) {
        if let callbackQueue {
            callbackQueue.async { call.completion(result) }
        } else {
            call.completion(result)
        }
    }
}

/// What `admit` decided under the lock.
private enum AdmitStep {
    case cancel
    case send(probe: Bool)
    case wait(until: Double)
    case queued
}

/// What `retry` decided under the lock.
private enum RetryStep {
    case cancel, fail
    case park(started: Bool)
    case retry(after: Double)
}
