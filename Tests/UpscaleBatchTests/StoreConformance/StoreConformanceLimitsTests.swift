import Foundation
import GRDB
import TestSupport
import Testing

@testable import UpscaleBatch

/// The store-wide limits (`limits`) through the contract, on every engine: none until set; each
/// limit changes alone; `none` clears one, a change of both clears both; another process sees
/// them; `copy-store` carries them (they are meta rows); a row that holds no limit is an error.
@Suite(.bounded) struct StoreConformanceLimitsTests {
    @Test(arguments: StoreEngine.allCases) func eachLimitIsSetChangedAndClearedAlone(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            let store = harness.store
            #expect(try await store.limits() == StoreLimits())

            #expect(try await store.changeLimits(concurrency: .set(4), rate: .set(2.5)) == StoreLimits(concurrency: 4, rate: 2.5))
            #expect(try await store.limits() == StoreLimits(concurrency: 4, rate: 2.5))
            // Only the concurrency, then only the rate.
            #expect(try await store.changeLimits(concurrency: .set(2), rate: .keep) == StoreLimits(concurrency: 2, rate: 2.5))
            #expect(try await store.changeLimits(concurrency: .keep, rate: .set(50)) == StoreLimits(concurrency: 2, rate: 50))
            // Another process (a runner starting) reads what was set.
            #expect(try await harness.reopen().limits() == StoreLimits(concurrency: 2, rate: 50))

            // `none` clears that one and leaves the other.
            let none = try StoreLimits.concurrencyChange(parsing: "none")
            #expect(try await store.changeLimits(concurrency: none, rate: .keep) == StoreLimits(rate: 50))
            #expect(try await store.limits() == StoreLimits(rate: 50))
            #expect(try await store.changeLimits(concurrency: .set(8), rate: .keep) == StoreLimits(concurrency: 8, rate: 50))

            // Both cleared (`--clear`), twice: clearing nothing is no error.
            #expect(try await store.changeLimits(concurrency: .clear, rate: .clear) == StoreLimits())
            #expect(try await store.changeLimits(concurrency: .clear, rate: .clear) == StoreLimits())
            #expect(try await harness.reopen().limits() == StoreLimits())
            #expect(try await store.changeLimits(concurrency: .keep, rate: .keep) == StoreLimits())
        }
    }

    @Test(arguments: StoreConformanceCopyTests.Direction.allCases) func copyStoreCarriesTheLimits(
        _ direction: StoreConformanceCopyTests.Direction
    ) async throws {
        try await EngineStore.with(direction.from) { source in
            try await EngineStore.with(direction.to) { destination in
                try await source.store.importURLs(["https://x.test/a.jpg"])
                _ = try await source.store.changeLimits(concurrency: .set(3), rate: .set(0.5))
                #expect(try await destination.store.limits() == StoreLimits())
                let counts = try await StoreCopy.copy(from: source.store, to: destination.store)
                #expect(counts.jobs == 1)
                #expect(try await destination.store.limits() == StoreLimits(concurrency: 3, rate: 0.5))
                #expect(try await destination.reopen().limits() == StoreLimits(concurrency: 3, rate: 0.5))
            }
        }
    }

    @Test(arguments: StoreConformanceCopyTests.Direction.allCases) func aCopyOfAStoreWithoutLimitsHasNone(
        _ direction: StoreConformanceCopyTests.Direction
    ) async throws {
        try await EngineStore.with(direction.from) { source in
            try await EngineStore.with(direction.to) { destination in
                try await source.store.importURLs(["https://x.test/a.jpg"])
                _ = try await source.store.changeLimits(concurrency: .set(3), rate: .keep)
                _ = try await source.store.changeLimits(concurrency: .clear, rate: .keep)
                _ = try await StoreCopy.copy(from: source.store, to: destination.store)
                #expect(try await destination.store.limits() == StoreLimits())
            }
        }
    }

    @Test(arguments: StoreEngine.allCases) func aRowThatHoldsNoLimitIsAnErrorNamingIt(_ engine: StoreEngine) async throws {
        try await EngineStore.with(engine) { harness in
            try await Self.writeMeta(harness, key: "limit_concurrency", value: "lots")
            do {
                _ = try await harness.store.limits()
                Issue.record("a concurrency of 'lots' was read as a limit")
            } catch {
                #expect("\(error)".contains("limit_concurrency holds 'lots'"), "\(error)")
            }
            // Setting it again mends it.
            #expect(
                try await harness.store.changeLimits(concurrency: .set(2), rate: .keep) == StoreLimits(concurrency: 2))
        }
    }

    /// Writes a meta row behind the store's back, as a hand edit or a newer version would.
    static func writeMeta(_ harness: EngineStore, key: String, value: String) async throws {
        if JobStores.isDatabaseURL(harness.location) {
            _ = try await TestPostgres.rows(
                harness.location,
                "INSERT INTO upscale_batch.meta (key, value) VALUES ('\(key)', '\(value)') "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        } else {
            let queue = try DatabaseQueue(path: harness.location)
            try await queue.write { db in
                try db.execute(
                    sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    arguments: [key, value])
            }
            try queue.close()
        }
    }
}
