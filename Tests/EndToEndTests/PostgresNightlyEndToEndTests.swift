import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// scripts/nightly.sh from cron's bare environment with a PostgreSQL `UPSCALE_DB`: no backup
/// (the log says it is the database's own business), everything else as on SQLite.
@Suite(.serialized, .bounded) struct PostgresNightlyEndToEndTests {
    @Test(
        .enabled(
            if: NightlyHome.toolsMissing.isEmpty,
            "needs \(NightlyHome.toolsMissing.joined(separator: ", ")): apt-get install -y util-linux"))
    func aNightOnPostgresLeavesBackupsToTheDatabaseAndDoesTheRest() async throws {
        try await TestPostgres.withDatabase("scripts/nightly.sh on PostgreSQL") { url in
            let key = "nightly-key-" + UUID().uuidString.prefix(12)
            let simulator = try await SimulatorProcess.start(key: key)
            defer { simulator.stop() }
            var home = try NightlyHome(simulator, key: key)
            home.environment["UPSCALE_DB"] = url

            // Before anything is imported: nothing to run, exit 0.
            let empty = try await home.run()
            #expect(empty.code == 0, "\(empty.stderr)\n\(home.log)")
            #expect(home.log.contains("nothing to run"), "\(home.log)")

            let rows = ["a.jpg,fast", "b.jpg,fast", "c.jpg,professional"].map { "https://img.example/pg-night-\($0)" }
            try home.drop("nightly.csv", "url,mode\n" + rows.joined(separator: "\n") + "\n", age: 3600)
            let night = try await home.run()
            #expect(night.code == 0, "\(night.stderr)\n\(home.log)")
            #expect(
                home.log.contains("is a PostgreSQL database: its backups are the database's own business"), "\(home.log)")
            #expect(try home.files("backups").isEmpty, "no backup file for a PostgreSQL store")
            #expect(try home.files("jobs/imported") == ["nightly.csv"])
            let jobs = try await PostgresEndToEnd.jobs(url)
            #expect(jobs.count == 3 && jobs.allSatisfy { $0.state == "COMPLETED" }, "\(jobs)")
            let ledger = try await simulator.ledger()
            #expect(
                jobs.reduce(0) { $0 + ($1.cost ?? 0) }
                    == jobs.reduce(0) { $0 + ($1.requestID.flatMap { ledger.costByRequestID[$0] } ?? -1_000_000) })
            let day = try home.reportDay()
            #expect(try home.files("reports").contains("\(day).html"))
        }
    }
}
