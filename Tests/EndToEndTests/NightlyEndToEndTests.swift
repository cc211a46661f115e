import EnhancorSimulator
import Foundation
import GRDB
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// scripts/nightly.sh the way cron runs it: `env -i` with PATH=/usr/bin:/bin, no HOME, no TTY,
/// from an unrelated working directory, against the simulator on a loopback port.
@Suite(.serialized, .bounded) struct NightlyEndToEndTests {
    @Test(
        .enabled(
            if: NightlyHome.toolsMissing.isEmpty,
            "needs \(NightlyHome.toolsMissing.joined(separator: ", ")): apt-get install -y util-linux"))
    func twoNightsImportRunReportBackUpAndPruneFromCronsBareEnvironment() async throws {
        let key = "nightly-key-" + UUID().uuidString.prefix(12)
        let simulator = try await SimulatorProcess.start(key: key)
        defer { simulator.stop() }
        let home = try NightlyHome(simulator, key: key)

        // Night 1: one settled list, one the import refuses, one still being copied in.
        let night1 = ["n1-a.jpg,fast", "n1-b.jpg,fast", "n1-c.jpg,professional", "n1-d.jpg,"]
        try home.drop("nightly.csv", csv(night1) + "ftp://img.example/rejected.jpg,fast\n", age: 3600)
        try home.drop("broken.csv", "name,size\nportrait,12\n", age: 3600)
        try home.drop("fresh.csv", csv(["fresh.jpg,fast"]), age: 0)

        let first = try await home.run()
        #expect(first.code == 0, "night 1: \(first.stderr)\n\(home.log)")
        #expect(try home.files("jobs/incoming") == ["broken.csv", "fresh.csv"], "the refused and the fresh file stay")
        #expect(try home.files("jobs/imported") == ["nightly.csv"])
        #expect(try home.files("backups").isEmpty, "no store before night 1: nothing to back up")
        #expect(home.log.contains("no job store yet"))
        #expect(home.log.contains("fresh.csv changed"), "the fresh file is said to wait")
        #expect(home.log.contains("broken.csv") && home.log.contains("no url column"), "the refusal's reason is logged")
        #expect(first.stderr.contains("broken.csv"), "a refused file is worth cron's mail even on exit 0")
        // A rejected row is worth the mail too: how many, and where they are listed.
        let logPath = home.path("logs/nightly-\(try home.reportDay()).log")
        #expect(
            first.stderr.contains("rejected 1 row(s)") && first.stderr.contains(logPath),
            "cron's mail counts the rejected rows and names the log: \(first.stderr)")
        #expect(home.log.contains("nightly.csv:6: "), "the log lists the rejected row with its line")
        #expect(
            home.log.contains("nightly.csv: imported 4, skipped 0 duplicates, rejected 1"), "counts from import --format json")
        #expect(
            home.logLines.allSatisfy {
                $0.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z "#, options: .regularExpression) != nil
            },
            "every log line starts with a UTC timestamp")
        var jobs = try home.jobs()
        #expect(jobs.count == 4 && jobs.allSatisfy { $0.state == "COMPLETED" })
        try await checkReports(home, simulator, jobs: jobs)
        let night1Report = try String(contentsOfFile: home.nightReport(), encoding: .utf8)

        // Night 2: a new list under the same name, repeating one URL of night 1; old files to prune.
        let night2 = ["n2-a.jpg,fast", "n2-b.jpg,professional", "n1-b.jpg,fast", "n2-c.jpg,fast"]
        try home.drop("nightly.csv", csv(night2), age: 3600)
        let old = [
            "logs/nightly-2020-01-01.log", "reports/2020-01-01.csv", "reports/2020-01-01.txt",
            "backups/upscale-batch-20200101T021500Z.sqlite3",
        ]
        for path in old { try home.write(path, "old\n", age: 40 * 86_400) }
        try home.write("reports/notes.csv", "recent\n", age: 10 * 86_400)

        let second = try await home.run()
        #expect(second.code == 0, "night 2: \(second.stderr)\n\(home.log)")
        #expect(second.stderr.contains("broken.csv"), "the refused file is mentioned again: it still needs a person")
        #expect(!second.stderr.contains("rejected"), "night 2 rejected no row: \(second.stderr)")
        let ledger = try await simulator.ledger()
        let urls = (night1 + night2).map { "https://img.example/" + $0.split(separator: ",")[0] }
        #expect(Set(ledger.submissionsByURL.keys) == Set(urls), "every new row submitted, the fresh file's not")
        #expect(ledger.submissionsByURL.values.allSatisfy { $0 == 1 }, "no URL submitted twice: \(ledger.submissionsByURL)")
        jobs = try home.jobs()
        #expect(jobs.count == 7 && jobs.allSatisfy { $0.state == "COMPLETED" })
        #expect(try home.files("results").filter { $0.hasSuffix(".png") }.count == 7, "each night's results are kept")
        let imported = try home.files("jobs/imported")
        #expect(imported.count == 2 && imported.contains("nightly.csv"))
        #expect(
            imported.contains { $0.range(of: #"^nightly-\d{8}T\d{6}Z\.csv$"#, options: .regularExpression) != nil },
            "a name already in imported/ gets a timestamp: \(imported)")
        #expect(try home.files("jobs/incoming") == ["broken.csv", "fresh.csv"])

        // The backup taken before night 2's import: night 1's store, complete and readable.
        let backups = try home.files("backups")
        #expect(backups.count == 1 && backups[0].hasPrefix("upscale-batch-") && backups[0].hasSuffix(".sqlite3"), "\(backups)")
        if let backup = backups.first {
            let states = try await DatabaseQueue(path: home.path("backups/" + backup)).read { db in
                try String.fetchAll(db, sql: "SELECT state FROM jobs")
            }
            #expect(states.count == 4 && states.allSatisfy { $0 == "COMPLETED" })
        }
        // Retention (default 30 days): the 40-day-old files went, the 10-day-old one stayed.
        for path in old { #expect(!FileManager.default.fileExists(atPath: home.path(path)), "\(path) was pruned") }
        #expect(FileManager.default.fileExists(atPath: home.path("reports/notes.csv")))

        try await checkReports(home, simulator, jobs: jobs)
        #expect(
            try String(contentsOfFile: home.nightReport(), encoding: .utf8) != night1Report, "night 2 rewrote the day's report")
        let everything =
            [first.stdout, first.stderr, second.stdout, second.stderr, home.log]
            + (try home.files("reports").map { try String(contentsOfFile: home.path("reports/" + $0), encoding: .utf8) })
        #expect(everything.allSatisfy { !$0.contains(key) }, "the API key is never printed or stored")
    }

    @Test(
        .enabled(
            if: NightlyHome.toolsMissing.isEmpty,
            "needs \(NightlyHome.toolsMissing.joined(separator: ", ")): apt-get install -y util-linux"))
    func aSecondCopyExits75AtOnceAndNeitherSIGKILLNorSIGTERMBlocksTheNextNight() async throws {
        let key = "nightly-key-" + UUID().uuidString.prefix(12)
        let simulator = try await SimulatorProcess.start(key: key, fastDuration: 12)
        defer { simulator.stop() }
        let home = try NightlyHome(simulator, key: key)
        try home.drop("slow.csv", csv(["slow-1.jpg,fast", "slow-2.jpg,fast", "slow-3.jpg,fast"]), age: 3600)

        // The first night is running (jobs take 12 s): a second copy refuses at once.
        let first = try home.start()
        try await waitFor("the first night's run to start") { home.log.components(separatedBy: "run started").count == 2 }
        let second = try await home.run()
        #expect(second.code == 75, "\(second.stderr)")
        #expect(second.stderr.contains("another nightly run is in progress"))
        #expect(first.process.isRunning, "the first night was still running when the second was refused")

        // SIGKILL the first night and the run it started: the lock dies with them. Once every
        // submission's answer is recorded, so the next night has jobs in flight to pick up and
        // none in doubt (a kill between a POST and its answer would rightly resubmit that job).
        try await waitFor("the first night's submissions to be recorded") {
            let jobs = try home.jobs()
            return jobs.count == 3 && jobs.allSatisfy { $0.requestID != nil }
        }
        let children = childProcesses(of: first.process.processIdentifier)
        first.signal(SIGKILL)
        for child in children { kill(child, SIGKILL) }
        #expect(await first.wait(timeout: 180).code == 128 + SIGKILL)
        try await waitFor("the killed night's children to end") { children.allSatisfy { !isAlive($0) } }

        // The next night starts; SIGTERM reaches its run, which stops cleanly: exit 75.
        let third = try home.start()
        do {
            try await waitFor("the third night's run to start") { home.log.components(separatedBy: "run started").count == 3 }
        } catch {
            let output = third.result()
            Issue.record("\(error)\nlog:\n\(home.log)\nstdout:\n\(output.stdout)\nstderr:\n\(output.stderr)")
            throw error
        }
        third.signal(SIGTERM)
        let thirdResult = await third.wait(timeout: 180)
        #expect(thirdResult.code == 75, "\(thirdResult.stderr)\n\(home.log)")
        #expect(home.log.contains("SIGTERM, stopping the run"))
        #expect(thirdResult.stderr.contains("exit 75"), "cron's mail says how the night ended")

        // And the night after finishes the jobs left in flight, submitting none twice.
        let fourth = try await home.run()
        #expect(fourth.code == 0, "\(fourth.stderr)\n\(home.log)")
        let jobs = try home.jobs()
        #expect(jobs.count == 3 && jobs.allSatisfy { $0.state == "COMPLETED" })
        #expect(try await simulator.ledger().submissionsByURL.values.allSatisfy { $0 == 1 })
        #expect(try home.files("jobs/imported") == ["slow.csv"])
    }

    /// A home whose path holds a quote and a space, and arguments with spaces from the
    /// arguments files: nothing is evaluated, nothing split where it should not be.
    @Test(
        .enabled(
            if: NightlyHome.toolsMissing.isEmpty,
            "needs \(NightlyHome.toolsMissing.joined(separator: ", ")): apt-get install -y util-linux"))
    func aHomeWithAQuoteAndArgumentsWithSpacesFromArgumentsFiles() async throws {
        let key = "nightly-key-" + UUID().uuidString.prefix(12)
        let simulator = try await SimulatorProcess.start(key: key)
        defer { simulator.stop() }
        var home = try NightlyHome(simulator, key: key, name: "o'brien's nightly home")
        try home.write("import-args", "# the night's batch, a name with spaces\n--batch\nnight one\n", age: 0)
        try home.write("run-args", "--batch\r\nnight one\r\n\n", age: 0)
        home.environment["NIGHTLY_IMPORT_ARGS_FILE"] = "import-args"  // relative: from NIGHTLY_HOME
        home.environment["NIGHTLY_RUN_ARGS_FILE"] = home.path("run-args")

        try home.drop("first.csv", csv(["q1.jpg,fast", "q2.jpg,professional"]), age: 3600)
        let first = try await home.run()
        #expect(first.code == 0, "night 1: \(first.stderr)\n\(home.log)")
        #expect(home.log.contains("run --max-wait 6h") && home.log.contains("--batch night one"), "\(home.log)")
        try home.drop("second.csv", csv(["q3.jpg,fast"]), age: 3600)
        let second = try await home.run()
        #expect(second.code == 0, "night 2: \(second.stderr)\n\(home.log)")
        #expect(first.stderr.isEmpty && second.stderr.isEmpty, "quiet nights send no mail: \(first.stderr) \(second.stderr)")

        let batches = try await DatabaseQueue(path: home.store).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM batches")
        }
        #expect(batches == ["night one"], "the batch name kept its space: \(batches)")
        let jobs = try home.jobs()
        #expect(jobs.count == 3 && jobs.allSatisfy { $0.state == "COMPLETED" }, "run --batch 'night one' ran them all")
        let backups = try home.files("backups")
        #expect(backups.count == 1, "night 2 backed up a store in a home with a quote: \(backups)\n\(home.log)")
        if let backup = backups.first {
            let count = try await DatabaseQueue(path: home.path("backups/" + backup)).read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs")
            }
            #expect(count == 2, "the backup is night 1's store")
        }
        try await checkReports(home, simulator, jobs: jobs)
    }

    /// The day's report CSV adds up to the store, the ledger and `report --format json`.
    private func checkReports(_ home: NightlyHome, _ simulator: SimulatorProcess, jobs: [NightlyHome.Job]) async throws {
        let day = try home.reportDay()
        let reports = try home.files("reports")
        #expect(
            reports.contains(day + ".csv") && reports.contains(day + ".txt") && reports.contains(day + "-batches.csv")
                && reports.contains(day + ".html"),
            "\(reports)")
        let page = try String(contentsOfFile: home.path("reports/\(day).html"), encoding: .utf8)
        #expect(
            page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg")
                && page.contains("data-field=\"total_cost\">\(storeCostOf(jobs))<"))
        #expect(try home.files("logs").contains("nightly-\(day).log"))

        let night = try parseReport(home.path("reports/\(day).csv"))
        let storeCost = jobs.reduce(0) { $0 + ($1.cost ?? 0) }
        let ledger = try await simulator.ledger()
        let quoted = jobs.reduce(0) { $0 + (ledger.costByRequestID[$1.requestID ?? ""] ?? -1_000_000) }
        #expect(night.jobs == jobs.count)
        #expect(night.cost == storeCost && night.cost == quoted, "report \(night.cost), store \(storeCost), ledger \(quoted)")
        #expect(night.completedCost == storeCost)
        #expect(Set(night.keys) == Set(jobs.map(\.mode)))

        let batches = try parseReport(home.path("reports/\(day)-batches.csv"))
        #expect(batches.jobs == jobs.count && batches.cost == storeCost)

        var runner = BinaryRunner(directory: home.elsewhere)
        runner.environment["UPSCALE_DB"] = home.store
        let json = try await runner.start(["report", "--since", day, "--until", day, "--format", "json"]).wait(timeout: 180)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["total_cost"] as? Int == night.cost)
        #expect(object?["jobs"] as? Int == night.jobs)

        let table = try String(contentsOfFile: home.path("reports/\(day).txt"), encoding: .utf8)
        let totals = table.split(separator: "\n").filter { $0.hasPrefix("total") }
        #expect(
            totals.count == 2 && totals.allSatisfy { $0.split(separator: " ").contains(Substring(String(storeCost))) },
            "both tables end with a total of \(storeCost): \(totals)")
    }
}

/// What the store's jobs cost in all.
private func storeCostOf(_ jobs: [NightlyHome.Job]) -> Int { jobs.reduce(0) { $0 + ($1.cost ?? 0) } }

/// A report CSV's rows summed: key,jobs,completed,failed,cost,completed_cost,failed_cost,duplicate_cost.
private func parseReport(_ path: String) throws -> (keys: [String], jobs: Int, cost: Int, completedCost: Int) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.first == "key,jobs,completed,failed,cost,completed_cost,failed_cost,duplicate_cost")
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return (
        rows.map { $0[0] }, rows.reduce(0) { $0 + (Int($1[1]) ?? -1) },
        rows.reduce(0) { $0 + (Int($1[4]) ?? -1) }, rows.reduce(0) { $0 + (Int($1[5]) ?? -1) }
    )
}

private func csv(_ rows: [String]) -> String {
    "url,mode\n" + rows.map { "https://img.example/" + $0 }.joined(separator: "\n") + "\n"
}

/// The direct children of `pid` (from /proc).
private func childProcesses(of pid: Int32) -> [Int32] {
    let listing = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    return listing.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}

/// Alive and not a zombie (a killed orphan may wait a while to be reaped; its locks are gone).
private func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// Polls `condition` until it holds; fails the test with what it waited for after `timeout` s.
private func waitFor(_ what: String, timeout: Double = 120, _ condition: () throws -> Bool) async throws {
    try await waitUntil(what, timeout: timeout) { try condition() }
}
