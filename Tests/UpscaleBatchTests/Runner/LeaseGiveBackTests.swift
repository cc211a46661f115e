import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import UpscaleBatch

/// Issue 13, point 3: a runner "starts no request until it has claimed again". A submission
/// claim whose answer comes back after the run's lease lapsed (the process was stopped while the
/// claim was on its way, or the store was that slow) may belong to another runner by then: it is
/// given back unsent and submitted again once the lease holds.
@Suite(.bounded) struct LeaseGiveBackTests {
    /// Where the test holds the run: its first claim, then every renewal, until released.
    struct Holds {
        var heldClaim: [Int64]?
        var claimReleased = false
        var renewalsHeld = false
        var renewalsReleased = false
    }

    @Test func aClaimAnsweredAfterTheLeaseLapsedIsGivenBackUnsent() async throws {
        let dir = TemporaryDirectory()
        let sqlite = try StoreFixtures.makeStore(in: dir)
        try await StoreFixtures.insertJobs(sqlite, count: 4)
        let holds = Mutex(Holds())
        let store = CountingStore(
            sqlite,
            beforeClaim: { jobs in
                let first = holds.withLock { holds in
                    guard holds.heldClaim == nil else { return false }
                    (holds.heldClaim, holds.renewalsHeld) = (jobs, true)
                    return true
                }
                if first { _ = await eventually(timeout: 120) { holds.withLock { $0.claimReleased } } }
            },
            beforeRenewal: {
                if holds.withLock({ $0.renewalsHeld }) {
                    _ = await eventually(timeout: 120) { holds.withLock { $0.renewalsReleased } }
                }
            })
        let client = ScriptedClient()
        var configuration = RunConfiguration(webhookBaseURL: RunConfiguration.pollOnlyWebhookURL)
        configuration.concurrency = 4
        configuration.pollInterval = 0.01
        configuration.lease = 0.6
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runner = JobRunner(store: store, client: client, configuration: configuration, logger: logger)
        async let outcome = runner.run()
        // Declared after the run, so it runs before the run is awaited at the scope's end: when a
        // wait below fails, the holds open and the run ends at once instead of at the holds' timeout.
        defer { holds.withLock { ($0.claimReleased, $0.renewalsReleased) = (true, true) } }

        // The first claim is on its way and no renewal gets through: the lease lapses by the
        // runner's own count, and only then does the claim's answer come back.
        try await waitUntil("the first claim is held") { holds.withLock { $0.heldClaim != nil } }
        try await waitUntil("the run's lease lapsed") { !runner.lease.withLock { $0.isHeld() } }
        holds.withLock { $0.claimReleased = true }
        let given = holds.withLock { $0.heldClaim! }
        try await waitUntil("the late claim's jobs are given back (or sent)") {
            if !client.ledger.withLock({ $0.submissions.isEmpty }) { return true }
            for id in given where try await sqlite.job(id: id)?.error?.hasPrefix("not sent") != true { return false }
            return true
        }
        #expect(client.ledger.withLock { $0.submissions.isEmpty }, "no POST on a claim answered after the lease lapsed")

        // The lease is renewed: every job is submitted once, the given-back ones at a later
        // attempt that is no possible duplicate (nothing of the first was sent). On a loaded
        // machine a renewal can come later than this short lease again, and a claim be given
        // back once more: an attempt unsent, never a second POST.
        holds.withLock { $0.renewalsReleased = true }
        #expect(try await outcome == .allCompleted)
        let submissions = client.ledger.withLock { $0.submissions }
        #expect(submissions.count == 4 && submissions.values.allSatisfy { $0 == 1 }, "\(submissions)")
        for id in given {
            let job = try #require(try await sqlite.job(id: id))
            #expect(job.state == .completed && job.attempts >= 2 && !job.possibleDuplicate, "job \(id): \(job)")
        }
        #expect(runner.statistics.possibleDuplicates == 0)
    }
}
