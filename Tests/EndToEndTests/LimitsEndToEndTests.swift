import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

/// `limits` through the built binary on a SQLite store: what it prints (table, JSON), what each
/// option changes, exit 64 on a value that is no limit, and a run that honours the store's
/// limit without `--concurrency`. `PostgresLimitsEndToEndTests` runs the same on PostgreSQL.
@Suite(.serialized, .bounded) struct LimitsEndToEndTests {
    @Test func limitsPrintsSetsAndClearsThemInTableAndJSON() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(1)
        try await Self.expectTheCommandsOutput(fixture.binary)
    }

    @Test func aValueThatIsNoLimitIsAUsageErrorNamingTheOption() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await fixture.importJobs(1)
        try await Self.expectBadValuesRefused(fixture.binary)
    }

    @Test func withoutAStoreLimitsExits2LikeEveryCommandButImport() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        let result = try await fixture.binary.run(["limits", "--concurrency", "2"])
        #expect(result.code == 2, "\(result.stderr)")
        #expect(result.stderr.contains("no job store at"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.storePath), "limits created no store")
    }

    @Test func aRunWithoutConcurrencyKeepsWithinTheStoresLimit() async throws {
        let fixture = try await EndToEndFixture()
        defer { Task { await fixture.shutdown() } }
        try await Self.expectRunsKeepWithinTheStoresLimit(fixture)
        let jobs = try fixture.jobs()
        #expect(jobs.count == 40)
        #expect(jobs.allSatisfy { $0["state"] as String == "COMPLETED" })
    }

    // MARK: The checks, on whichever store the fixture's binary works

    /// `limits` with `args` and `--format json`, decoded; expects exit 0.
    static func json(_ binary: BinaryRunner, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> [String: Any]
    {
        let result = try await binary.run(["limits"] + args + ["--format", "json"])
        #expect(result.code == 0, "\(args): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.hasSuffix("}\n"), "one line of JSON: \(result.stdout)", sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    static func expectTheCommandsOutput(_ binary: BinaryRunner) async throws {
        // None set: both null, both keys there.
        let unset = try await json(binary, [])
        #expect(unset.keys.sorted() == ["concurrency", "rate"])
        #expect(unset["concurrency"] is NSNull && unset["rate"] is NSNull, "\(unset)")

        let set = try await json(binary, ["--concurrency", "4", "--rate", "2.5"])
        #expect(set["concurrency"] as? Int == 4 && set["rate"] as? Double == 2.5, "\(set)")
        // Each option changes only its own limit.
        let concurrencyOnly = try await json(binary, ["--concurrency", "2"])
        #expect(concurrencyOnly["concurrency"] as? Int == 2 && concurrencyOnly["rate"] as? Double == 2.5, "\(concurrencyOnly)")
        let rateOnly = try await json(binary, ["--rate", "50"])
        #expect(rateOnly["concurrency"] as? Int == 2 && rateOnly["rate"] as? Int == 50, "\(rateOnly)")
        let shown = try await binary.run(["limits", "--format", "json"])
        #expect(shown.stdout == "{\"concurrency\": 2, \"rate\": 50}\n", "no option prints them: \(shown.stdout)")

        // The table: one row per limit, `none` where unset.
        let table = try await binary.run(["limits", "--rate", "none"])
        #expect(table.code == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(table.stdout)")
        #expect(lines.first?.hasPrefix("limit") == true, "\(table.stdout)")
        #expect(lines.contains { $0.hasPrefix("concurrency") && $0.hasSuffix(" 2") }, "\(table.stdout)")
        #expect(lines.contains { $0.hasPrefix("rate") && $0.hasSuffix(" none") }, "\(table.stdout)")
        let plain = try await binary.run(["limits"])
        #expect(plain.stdout == table.stdout, "no option prints the table as it is")

        let cleared = try await json(binary, ["--clear"])
        #expect(cleared["concurrency"] is NSNull && cleared["rate"] is NSNull, "\(cleared)")
        let concurrencyNone = try await json(binary, ["--concurrency", "none"])
        #expect(concurrencyNone["concurrency"] is NSNull, "clearing what is clear is no error")
    }

    static func expectBadValuesRefused(_ binary: BinaryRunner) async throws {
        _ = try await json(binary, ["--concurrency", "3", "--rate", "1.5"])
        let refused: [([String], String)] = [
            (["--concurrency", "0"], "--concurrency"), (["--concurrency", "-1"], "--concurrency"),
            (["--concurrency", "abc"], "--concurrency"), (["--concurrency", "1.5"], "--concurrency"),
            (["--concurrency", "1025"], "--concurrency"), (["--concurrency=-3"], "--concurrency"),
            (["--rate", "0"], "--rate"), (["--rate", "-2"], "--rate"), (["--rate", "fast"], "--rate"),
            (["--rate", "nan"], "--rate"), (["--clear", "--rate", "3"], "--clear"),
        ]
        for (args, option) in refused {
            let result = try await binary.run(["limits"] + args)
            #expect(result.code == 64, "\(args): \(result.code) \(result.stderr)")
            #expect(result.stderr.contains(option), "\(args): the message names \(option): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(args): \(result.stdout)")
        }
        let zero = try await binary.run(["limits", "--concurrency", "0"])
        #expect(zero.stderr.contains("from 1 to 1024, or none"), "says what is accepted: \(zero.stderr)")
        // Nothing was changed by the refusals.
        let after = try await json(binary, [])
        #expect(after["concurrency"] as? Int == 3 && after["rate"] as? Double == 1.5, "\(after)")
    }

    /// Under `limits --concurrency 2`: a run without `--concurrency` takes the store's limit,
    /// and one with `--concurrency 16` is capped by it; the simulator never sees more than 2
    /// requests at once, and each start line says where its limit came from. 40 jobs in all.
    static func expectRunsKeepWithinTheStoresLimit(_ fixture: EndToEndFixture) async throws {
        try await fixture.importJobs(25)
        let set = try await fixture.binary.run(["limits", "--concurrency", "2"])
        #expect(set.code == 0, "\(set.stderr)")
        let first = try await fixture.run(["--poll-only"])
        #expect(first.code == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stderr.contains("at most 2 requests in flight (the store's limit)"), "\(first.stderr)")
        let afterFirst = fixture.simulator.ledger()
        #expect(afterFirst.maxInFlight <= 2, "the store's limit held without --concurrency: \(afterFirst.maxInFlight)")
        #expect(afterFirst.totalRequests >= 50, "every job was submitted and polled: \(afterFirst.totalRequests)")

        try await fixture.importJobs(15, prefix: "q")
        let second = try await fixture.run(["--poll-only", "--concurrency", "16"])
        #expect(second.code == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(
            second.stderr.contains("at most 2 requests in flight (the store's limit; --concurrency asked for 16)"),
            "\(second.stderr)")
        let ledger = fixture.simulator.ledger()
        #expect(ledger.maxInFlight <= 2, "a run's own --concurrency stays within the store's: \(ledger.maxInFlight)")
        #expect(ledger.submissionsByURL.count == 40 && ledger.submissionsByURL.values.allSatisfy { $0 == 1 })
    }
}
