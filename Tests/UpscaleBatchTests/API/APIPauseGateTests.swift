import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct APIPauseGateTests {
    private func policy(threshold: Int? = 3) -> RetryPolicy {
        var policy = RetryPolicy()
        policy.outageAfterConsecutiveFailures = threshold
        return policy
    }

    @Test func rateLimitPausesEveryoneUntilRetryAfter() {
        var gate = PauseGate<Int>(policy: policy())
        #expect(gate.admit(1, now: 0) == .proceed)
        let outcome = gate.recordRateLimit(pause: 2, now: 10)
        #expect(outcome.newPause)
        #expect(gate.admit(2, now: 10.5) == .wait(until: 12))
        #expect(gate.isPaused(now: 11))
        // A shorter pause never shortens a longer one.
        #expect(!gate.recordRateLimit(pause: 0.5, now: 11).newPause)
        #expect(gate.admit(3, now: 11.9) == .wait(until: 12))
        #expect(gate.admit(3, now: 12) == .proceed)
    }

    @Test func outageQueuesAndProbesOneAtATime() {
        var gate = PauseGate<Int>(policy: policy(threshold: 3))
        #expect(gate.recordTransientFailure(probe: false, now: 0) == (false, false))
        #expect(gate.recordTransientFailure(probe: false, now: 0) == (false, false))
        #expect(gate.recordTransientFailure(probe: false, now: 0) == (true, true))
        gate.park(1, atFront: false)
        #expect(gate.admit(2, now: 0) == .queued)
        guard case .scheduleTimer(let at) = gate.pump(now: 0) else {
            Issue.record("expected a probe timer")
            return
        }
        #expect(at >= 0.25 && at <= 0.5)
        // Only one timer is asked for.
        guard case .none = gate.pump(now: 0.1) else {
            Issue.record("a second timer")
            return
        }
        guard case .launch(let probe) = gate.pump(now: at, timerFired: true) else {
            Issue.record("expected a probe")
            return
        }
        #expect(probe == 1)
        // While the probe is out, nobody else goes.
        guard case .none = gate.pump(now: 100) else {
            Issue.record("a second probe")
            return
        }
        #expect(gate.admit(3, now: 100) == .queued)
        // The probe fails: back to the front, the next probe later.
        #expect(gate.recordTransientFailure(probe: true, now: 100).inOutage)
        gate.park(1, atFront: true)
        guard case .scheduleTimer(let next) = gate.pump(now: 100) else {
            Issue.record("expected a timer")
            return
        }
        #expect(next > 100.25)
        guard case .launch(let again) = gate.pump(now: next, timerFired: true) else {
            Issue.record("no probe")
            return
        }
        #expect(again == 1)
        // The probe succeeds: everyone queued is released, in order.
        #expect(gate.recordAnswer() == [2, 3])
        #expect(!gate.isInOutage)
        #expect(gate.admit(4, now: next) == .proceed)
    }

    @Test func exhaustedBudgetStartsAnOutageUnlessDisabled() {
        var gate = PauseGate<Int>(policy: policy(threshold: 100))
        let entered = gate.enterOutage(now: 0)
        #expect(entered && gate.isInOutage)
        var disabled = PauseGate<Int>(policy: policy(threshold: nil))
        let enteredDisabled = disabled.enterOutage(now: 0)
        #expect(!enteredDisabled)
        for _ in 0..<50 {
            let outcome = disabled.recordTransientFailure(probe: false, now: 0)
            #expect(!outcome.inOutage)
        }
    }

    @Test func answersResetTheStreak() {
        var gate = PauseGate<Int>(policy: policy(threshold: 3))
        _ = gate.recordTransientFailure(probe: false, now: 0)
        _ = gate.recordTransientFailure(probe: false, now: 0)
        _ = gate.recordAnswer()
        #expect(!gate.recordTransientFailure(probe: false, now: 0).inOutage)
    }

    @Test func cancellationEmptiesTheQueue() {
        var gate = PauseGate<Int>(policy: policy(threshold: 1))
        _ = gate.recordTransientFailure(probe: false, now: 0)
        gate.park(1, atFront: false)
        gate.park(2, atFront: false)
        #expect(gate.removeAllWaiters() == [1, 2])
        #expect(gate.removeAllWaiters().isEmpty)
    }
}
