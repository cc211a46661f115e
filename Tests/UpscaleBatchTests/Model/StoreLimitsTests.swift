import TestSupport
import Testing

@testable import UpscaleBatch

/// The store-wide limits' values: what `limits` accepts on the command line and finds in
/// `meta`, and how a rate is written.
@Suite(.bounded) struct StoreLimitsTests {
    @Test func aConcurrencyIsAWholeNumberFrom1To1024OrNone() throws {
        #expect(try StoreLimits.concurrencyChange(parsing: "4") == .set(4))
        #expect(try StoreLimits.concurrencyChange(parsing: "1") == .set(1))
        #expect(try StoreLimits.concurrencyChange(parsing: "1024") == .set(1024))
        #expect(try StoreLimits.concurrencyChange(parsing: "none") == .clear)
        #expect(try StoreLimits.concurrencyChange(parsing: "NONE") == .clear)
        for bad in ["0", "-1", "1025", "1.5", "abc", "", " 4", "4x"] {
            #expect(throws: LimitValueError.self, "\(bad)") { try StoreLimits.concurrencyChange(parsing: bad) }
        }
        do {
            _ = try StoreLimits.concurrencyChange(parsing: "0")
        } catch {
            #expect(error.description == "expected a whole number from 1 to 1024, or none")
        }
    }

    @Test func aRateIsAFiniteNumberAbove0OrNone() throws {
        #expect(try StoreLimits.rateChange(parsing: "50") == .set(50))
        #expect(try StoreLimits.rateChange(parsing: "0.5") == .set(0.5))
        #expect(try StoreLimits.rateChange(parsing: "none") == .clear)
        for bad in ["0", "-2", "0.0", "nan", "inf", "abc", ""] {
            #expect(throws: LimitValueError.self, "\(bad)") { try StoreLimits.rateChange(parsing: bad) }
        }
    }

    @Test func aRateIsWrittenWithoutAFractionWhenWhole() {
        #expect(StoreLimits.text(rate: 50) == "50")
        #expect(StoreLimits.text(rate: 2.5) == "2.5")
        #expect(StoreLimits.text(rate: 0.1) == "0.1")
        #expect(LimitsRenderer.json(StoreLimits(concurrency: 4, rate: 2.5)) == "{\"concurrency\": 4, \"rate\": 2.5}\n")
        #expect(LimitsRenderer.json(StoreLimits()) == "{\"concurrency\": null, \"rate\": null}\n")
    }

    @Test func aChangeWritesOnlyTheLimitsItNames() {
        let writes = StoreLimits.metaWrites(concurrency: .set(4), rate: .keep)
        #expect(writes.map(\.key) == ["limit_concurrency"])
        #expect(writes.map(\.value) == ["4"])
        let clears = StoreLimits.metaWrites(concurrency: .keep, rate: .clear)
        #expect(clears.map(\.key) == ["limit_rate"])
        #expect(clears.map(\.value) == [nil])
        #expect(StoreLimits.metaWrites(concurrency: .keep, rate: .keep).isEmpty)
    }

    @Test func aMetaRowThatHoldsNoLimitIsRefusedNotGuessed() throws {
        #expect(try StoreLimits.fromMeta(concurrency: nil, rate: nil) == StoreLimits())
        #expect(try StoreLimits.fromMeta(concurrency: "3", rate: "1.5") == StoreLimits(concurrency: 3, rate: 1.5))
        for (concurrency, rate) in [("0", nil), ("none", nil), ("lots", nil), (nil, "fast"), (nil, "-1")] as [(String?, String?)]
        {
            #expect(throws: StoredLimitError.self) { try StoreLimits.fromMeta(concurrency: concurrency, rate: rate) }
        }
    }
}
