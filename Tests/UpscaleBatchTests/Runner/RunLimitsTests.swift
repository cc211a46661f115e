import TestSupport
import Testing

@testable import UpscaleBatch

/// A run's limits: its own within the store's, the default without either, and what the start
/// line says of where each came from.
@Suite(.bounded) struct RunLimitsTests {
    /// Settings named by flag, as the executable names them.
    static func flags(_ setting: RunSetting) -> String? { RunSummaryTests.flags(setting) }

    @Test func withoutEitherLimitARunHas8InFlightAndNoRate() {
        let limits = RunLimits(ownConcurrency: nil, ownRate: nil, store: StoreLimits())
        #expect(limits.concurrency == 8)
        #expect(limits.concurrencyOrigin == .byDefault)
        #expect(limits.rate == nil && limits.rateOrigin == nil)
        #expect(limits.description(naming: Self.flags) == "at most 8 requests in flight (the default)")
    }

    @Test func aRunWithoutItsOwnTakesTheStores() {
        let limits = RunLimits(ownConcurrency: nil, ownRate: nil, store: StoreLimits(concurrency: 2, rate: 5))
        #expect(limits.concurrency == 2)
        #expect(limits.rate == 5)
        #expect(
            limits.description(naming: Self.flags)
                == "at most 2 requests in flight (the store's limit), at most 5 requests started per second (the store's limit)")
    }

    @Test func aRunsOwnLimitIsCappedWithinTheStores() {
        let above = RunLimits(ownConcurrency: 16, ownRate: 10, store: StoreLimits(concurrency: 4, rate: 2.5))
        #expect(above.concurrency == 4)
        #expect(above.concurrencyOrigin == .store(runAsked: "16"))
        #expect(above.rate == 2.5)
        #expect(
            above.description(naming: Self.flags)
                == "at most 4 requests in flight (the store's limit; --concurrency asked for 16), "
                + "at most 2.5 requests started per second (the store's limit; --rate asked for 10)")
        let below = RunLimits(ownConcurrency: 2, ownRate: nil, store: StoreLimits(concurrency: 4, rate: 2.5))
        #expect(below.concurrency == 2)
        #expect(below.concurrencyOrigin == .run(storeLimit: "4"))
        #expect(below.rate == 2.5)
        #expect(below.description().hasPrefix("at most 2 requests in flight (this run's own, within the store's limit of 4)"))
    }

    @Test func aRunsOwnLimitAloneIsItsOwn() {
        let limits = RunLimits(ownConcurrency: 3, ownRate: 0.5, store: StoreLimits())
        #expect(limits.concurrency == 3)
        #expect(limits.rate == 0.5)
        #expect(
            limits.description(naming: Self.flags)
                == "at most 3 requests in flight (--concurrency), at most 0.5 requests started per second (--rate)")
    }

    @Test func aConfigurationWorksUnderTheLimitsItIsGiven() {
        var configuration = RunConfiguration(webhookBaseURL: RunConfiguration.pollOnlyWebhookURL)
        let limits = RunLimits(ownConcurrency: nil, ownRate: nil, store: StoreLimits(concurrency: 2, rate: 3))
        configuration.apply(limits)
        #expect(configuration.concurrency == 2)
        #expect(configuration.requestsPerSecond == 3)
        #expect(configuration.limits == limits)
    }
}
