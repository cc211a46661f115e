import Foundation
import TestSupport
import Testing

/// A PostgreSQL store that cannot be used at start, through the built binary: an unreachable
/// server is "try again later" (75), a wrong database or role is the user's to fix (2).
@Suite(.bounded) struct PostgresFaultsEndToEndTests {
    /// No server is needed: a refused port is refused by the kernel.
    @Test func anUnreachableServerExits75NamingItForEveryKindOfCommand() async throws {
        let port = try RefusingPort()
        let directory = TemporaryDirectory()
        var binary = BinaryRunner(directory: directory.path)
        binary.environment["UPSCALE_DB"] = "postgres://nobody@127.0.0.1:\(port.port)/jobs?sslmode=disable"
        let commands: [[String]] = [
            ["status"], ["list"], ["report"], ["import", "-"],
            ["run", "--poll-only", "--base-url", "http://127.0.0.1:\(port.port)/api/upscaler/v1"],
            ["webhook", "serve", "--listen", "127.0.0.1:0"],
        ]
        for command in commands {
            let result = try await binary.run(
                command, stdin: "url\nhttps://x.test/a.jpg\n", environment: ["ENHANCOR_API_KEY": "sim-key"], timeout: 120)
            #expect(result.code == 75, "\(command): \(result.code) \(result.stderr)")
            #expect(
                result.stderr.contains("cannot reach the job store at 127.0.0.1:\(port.port): connection refused"),
                "\(command): \(result.stderr)")
        }
    }

    @Test func aMissingDatabaseOrRoleExits2() async throws {
        try await TestPostgres.withDatabase("a missing database or role") { url in
            let directory = TemporaryDirectory()
            var binary = BinaryRunner(directory: directory.path)
            binary.environment["UPSCALE_DB"] = url
            let created = try await binary.run(["import", "-"], stdin: "url\nhttps://x.test/a.jpg\n")
            #expect(created.code == 0, "\(created.stderr)")

            var wrongRole = URLComponents(string: url)!
            wrongRole.user = "no_such_role_here"
            let missingDatabase = TestPostgres.replacingDatabase(in: url, with: "no_such_database_here")
            // Never the real API: a refused loopback port, should a run get that far.
            let api = try RefusingPort()
            for (what, store) in [("missing database", missingDatabase), ("missing role", wrongRole.string!)] {
                for command in [
                    ["status"], ["report"], ["import", "-"],
                    ["run", "--poll-only", "--base-url", "http://127.0.0.1:\(api.port)/api/upscaler/v1"],
                ] {
                    let result = try await binary.run(
                        command + ["--db", store], stdin: "url\nhttps://x.test/b.jpg\n",
                        environment: ["ENHANCOR_API_KEY": "sim-key"], timeout: 120)
                    #expect(result.code == 2, "\(what), \(command): \(result.code) \(result.stderr)")
                    #expect(result.stderr.contains("refused the connection"), "\(what), \(command): \(result.stderr)")
                }
            }
        }
    }
}
