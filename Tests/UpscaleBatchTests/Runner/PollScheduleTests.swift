import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct PollScheduleTests {
    @Test func backsOffTowardThePollIntervalWithJitter() {
        let schedule = PollSchedule(pollInterval: 5, fallbackPollInterval: 300)
        #expect((0.9...1.1).contains(schedule.firstDelay))
        #expect((1.8...2.2).contains(schedule.delay(afterPolls: 1, costKnown: true, webhooksActive: false)))
        #expect((3.6...4.4).contains(schedule.delay(afterPolls: 2, costKnown: true, webhooksActive: false)))
        #expect((4.5...5.5).contains(schedule.delay(afterPolls: 9, costKnown: true, webhooksActive: false)))
    }

    @Test func fallsBackOnlyWhenWebhooksWorkAndTheCostIsKnown() {
        let schedule = PollSchedule(pollInterval: 5, fallbackPollInterval: 300)
        #expect(schedule.delay(afterPolls: 1, costKnown: true, webhooksActive: true) >= 270)
        #expect(schedule.delay(afterPolls: 1, costKnown: false, webhooksActive: true) <= 2.2)
    }
}
