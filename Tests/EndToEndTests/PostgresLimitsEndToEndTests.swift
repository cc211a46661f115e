import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// `limits` on a PostgreSQL store: the same output, refusals and run as on SQLite
/// (`LimitsEndToEndTests`), the store a fresh database of the test server.
@Suite(.serialized, .bounded) struct PostgresLimitsEndToEndTests {
    @Test func limitsPrintsSetsAndClearsThemOnPostgres() async throws {
        try await PostgresEndToEnd.withFixture("limits: output") { fixture, _ in
            try await fixture.importJobs(1)
            try await LimitsEndToEndTests.expectTheCommandsOutput(fixture.binary)
            try await LimitsEndToEndTests.expectBadValuesRefused(fixture.binary)
        }
    }

    @Test func aRunWithoutConcurrencyKeepsWithinTheStoresLimitOnPostgres() async throws {
        try await PostgresEndToEnd.withFixture("limits: a run within the store's limit") { fixture, url in
            try await LimitsEndToEndTests.expectRunsKeepWithinTheStoresLimit(fixture)
            try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: 40)
        }
    }
}
