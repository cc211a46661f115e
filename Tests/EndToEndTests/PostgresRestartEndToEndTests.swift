import EnhancorSimulator
import Foundation
import TestSupport
import Testing

/// The PostgreSQL server lost during a run (cli.md, "The server lost during a run"), on a
/// cluster each test starts for itself: a crash and restart is waited out and the run goes
/// on; an outage longer than `--store-grace` ends the run with 75 and the next run resumes.
@Suite(.serialized, .bounded) struct PostgresRestartEndToEndTests {
    /// The server killed without a shutdown (`pg_ctl stop -m immediate`) and started again
    /// while polls are in flight: the calls that were streaming rows fail (they must not take
    /// the process down), claims whose answer was lost lapse and are polled again, and every
    /// job ends once.
    @Test
    func aServerCrashedMidRunIsWaitedOutAndNothingAcknowledgedIsLost() async throws {
        try await withOwnCluster("the server crashed during a run") { cluster, fixture, url in
            try await fixture.importJobs(600)
            let running = try fixture.startRun(["--poll-only", "--concurrency", "8"])
            try await waitForProgress(url, running)
            // Killed without a shutdown (crash recovery on start), and kept down until the run
            // has seen it: a restart quick enough to fall between two calls proves nothing.
            try await cluster.down()
            try await waitUntil("the run to see the server gone", timeout: 120, every: .milliseconds(100)) {
                !running.process.isRunning || running.result().stderr.contains("job store lost")
            }
            try await cluster.up()
            let result = await running.wait(timeout: 300)
            #expect(result.code == 0, "\(result.stdout)\n\(result.stderr.suffix(4000))")
            #expect(result.stderr.contains("job store lost"), "the run saw the server go: \(result.stderr.suffix(2000))")
            #expect(result.stderr.contains("the job store is back"), "\(result.stderr.suffix(2000))")
            try await expectNothingLost(fixture, url, count: 600)
        }
    }

    /// The server stopped for longer than `--store-grace 3`: the run gives up with 75 within a
    /// few seconds of the grace (calls wait 2 s for a connection once the server is known to be
    /// gone), and the next run finishes the work. 300 jobs keep it short under the suite's load.
    @Test
    func anOutageLongerThanTheStoreGraceExits75AndTheNextRunResumes() async throws {
        try await withOwnCluster("the server gone past --store-grace") { cluster, fixture, url in
            try await fixture.importJobs(300)
            let running = try fixture.startRun(["--poll-only", "--concurrency", "8", "--store-grace", "3"])
            try await waitForProgress(url, running)
            try await cluster.down()
            let stopped = await running.wait(timeout: 300)
            try await cluster.up()
            #expect(stopped.code == 75, "\(stopped.stdout)\n\(stopped.stderr.suffix(4000))")
            #expect(stopped.stderr.contains("--store-grace"), "the message names the setting: \(stopped.stderr.suffix(2000))")
            let resumed = try await fixture.run(["--poll-only", "--concurrency", "8"], timeout: 300)
            #expect(resumed.code == 0, "\(resumed.stdout)\n\(resumed.stderr.suffix(4000))")
            try await expectNothingLost(fixture, url, count: 300)
        }
    }

    /// A fast restart (`pg_ctl stop -m fast`, then start) while three runners work (issue 13):
    /// every session is ended, each runner waits the server out, and none takes another's work
    /// because of it (a lease counts from the server's start at the earliest), so nothing is
    /// submitted twice. The server stays down until a runner has seen it go: on a quick machine
    /// a `pg_ctl restart` fell between two calls of every runner once (their pools reconnected
    /// unseen), which proves nothing.
    @Test
    func aFastRestartUnderThreeRunnersMovesNoWorkAndSubmitsNothingTwice() async throws {
        try await withOwnCluster("the server restarted under three runners") { cluster, fixture, url in
            try await fixture.importJobs(900)
            let runs = try (0..<3).map { _ in try fixture.startRun(["--poll-only", "--concurrency", "4", "--lease", "10"]) }
            try await waitForProgress(url, runs[0])
            try await cluster.down(mode: "fast")
            try await waitUntil("a runner to see the server gone", timeout: 120, every: .milliseconds(100)) {
                runs.contains { $0.result().stderr.contains("job store lost") } || runs.allSatisfy { !$0.process.isRunning }
            }
            try await cluster.up()
            var sawIt = 0
            for running in runs {
                let ended = await running.wait(timeout: 600)
                #expect(ended.code == 0, "the runs go on: \(ended.stdout)\n\(ended.stderr.suffix(4000))")
                if ended.stderr.contains("job store lost") { sawIt += 1 }
            }
            // Three runners always at the store: a restart that none of them saw proves nothing.
            #expect(sawIt > 0, "a runner saw the server go")
            print("[several runners] pg_ctl stop -m fast, then start: \(sawIt) of 3 runners saw the server go")
            let twice = fixture.simulator.ledger().submissionsByURL.filter { $0.value > 1 }
            #expect(twice.isEmpty, "nothing submitted twice: \(twice.count), e.g. \(twice.prefix(2))")
            try await expectNothingLost(fixture, url, count: 900)
            // No submission was taken over in doubt: a take-over would have flagged it.
            let flagged = try await PostgresEndToEnd.jobs(url).filter(\.possibleDuplicate)
            #expect(flagged.isEmpty, "no runner took another's submissions: \(flagged.prefix(3).map(\.id))")
        }
    }
}

extension PostgresRestartEndToEndTests {
    /// A cluster of the test's own (only when the PostgreSQL tests run: UPSCALE_TEST_POSTGRES),
    /// a database on it, and a fixture whose commands use it.
    private func withOwnCluster(
        _ what: String, _ body: (OwnPostgresCluster, EndToEndFixture, String) async throws -> Void
    ) async throws {
        switch TestPostgres.availability {
        case .skipped(let message):
            print("*** PostgreSQL case \"\(what)\" \(message) ***")
            return
        case .missingInCI(let message):
            Issue.record(Comment(rawValue: message))
            return
        case .available:
            break
        }
        let cluster = try await OwnPostgresCluster.start()
        do {
            let database = try await TestPostgres.freshDatabase(serverURL: cluster.url)
            let fixture = try await EndToEndFixture(store: database.url) { config in
                config.fastDuration = 1.0
                config.latencySeconds = 0.02
            }
            do { try await body(cluster, fixture, database.url) } catch {
                await fixture.shutdown()
                throw error
            }
            await fixture.shutdown()
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// Waits until the run has finished some jobs and left others to do: the server goes in
    /// the middle of the work, not before it or after it.
    private func waitForProgress(_ url: String, _ running: RunningBinary) async throws {
        try await waitUntil("the run to finish its first jobs", timeout: 180, every: .milliseconds(250)) {
            guard running.process.isRunning else { return true }
            let completed = (try? await PostgresEndToEnd.jobs(url).filter { $0.state == "COMPLETED" }.count) ?? 0
            return completed >= 50
        }
        #expect(running.process.isRunning, "the run ended before the server went: \(running.result().stderr.suffix(2000))")
    }

    /// Every job final with the API's quoted cost; a job the API saw twice is flagged.
    private func expectNothingLost(_ fixture: EndToEndFixture, _ url: String, count: Int) async throws {
        let jobs = try await PostgresEndToEnd.expectEveryJobCostsWhatTheLedgerSays(fixture, url, count: count)
        let ledger = fixture.simulator.ledger()
        for job in jobs where (ledger.submissionsByURL[job.url] ?? 0) > 1 {
            #expect(job.possibleDuplicate, "job \(job.id), which the API saw twice, is flagged")
        }
        let extra = ledger.submissionsByURL.values.reduce(0) { $0 + ($1 - 1) }
        print("[postgres outage] \(extra) duplicate submission(s) of \(count) jobs")
    }
}
