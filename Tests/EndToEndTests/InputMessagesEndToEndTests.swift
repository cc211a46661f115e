import Foundation
import TestSupport
import Testing

/// Messages that quote what the user gave, and small argument checks, through the built binary
/// (issue 14, points 10, 11 and 13).
@Suite(.bounded) struct InputMessagesEndToEndTests {
    static func makeDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "upscale-batch-messages-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// NUL, BOM, U+2028, a C1 control and a bidi override, each in a rejected value: the message
    /// shows an escape, never the raw character, and stays on its one line.
    @Test func rejectionsEscapeInvisibleCharacters() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let csv =
            [
                "url,mode",
                "https://img.example/a.jpg,fast\u{FEFF}",  // line 2: a BOM after the mode
                "https://img.example/b\u{0}.jpg,fast",  // line 3: NUL
                "https://img.example/c\u{2028}.jpg,fast",  // line 4: line separator
                "ftp://img.example/\u{202E}gpj.exe,fast",  // line 5: right-to-left override
                "https://img.example/e\u{85}.jpg,fast",  // line 6: C1 control (NEL)
                "https://img.example/f\u{200B}.jpg,fast",  // line 7: zero-width space
                "https://img.example/ok.jpg,fast",
            ].joined(separator: "\n") + "\n"
        let path = directory + "/odd.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await BinaryRunner(directory: directory).run(["import", path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("imported 1, skipped 0 duplicates, rejected 6"), "\(result.stdout)\n\(result.stderr)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 6, "one line per rejection: \(lines)")
        for (line, escape) in [
            (2, "fast\\u{feff}"), (3, "b\\u{0}.jpg"), (4, "c\\u{2028}.jpg"), (5, "\\u{202e}gpj.exe"), (6, "e\\u{85}.jpg"),
            (7, "f\\u{200b}.jpg"),
        ] {
            #expect(
                lines.contains { $0.hasPrefix("\(path):\(line): ") && $0.contains(escape) },
                "line \(line) shows \(escape): \(lines)")
        }
        for invisible in ["\u{FEFF}", "\u{0}", "\u{2028}", "\u{202E}", "\u{85}", "\u{200B}"] {
            #expect(!result.stderr.contains(invisible), "a raw invisible character reached stderr")
        }
    }

    @Test func badArgumentsNameTheirValue() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = BinaryRunner(directory: directory)
        #expect(try await binary.run(["import", "-"], stdin: "url\nhttps://img.example/a.jpg\n").code == 0)
        try "url\nhttps://img.example/b.jpg\n".write(toFile: directory + "/b.csv", atomically: true, encoding: .utf8)
        for (arguments, code, message) in [
            (["list", "--limit", "-1"], Int32(64), "--limit must be 0 or more, got -1"),
            (["report", "--since", "2026-02-31"], 64, "2026-02 has 28 days, so there is no day 31"),
            (["report", "--until", "2026-13-01"], 64, "there is no month 13"),
            (["report", "--since", "yesterday"], 64, "expected a UTC day as YYYY-MM-DD"),
            (["status", "--db", ""], 64, "--db needs a path to a job store; got an empty value"),
            (["import", directory + "/b.csv", "--batch", ""], 64, "a batch name cannot be empty"),
            (
                ["import", directory + "/b.csv", "--batch", "night\nly"], 64,
                "a batch name cannot hold line breaks, control or invisible characters: night\\nly"
            ),
            (["list", "--batch", "no\u{7}such"], 2, "no batch named \"no\\u{7}such\""),
        ] {
            let result = try await binary.run(arguments)
            #expect(result.code == code, "\(arguments): \(result.code) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let leap = try await binary.run(["report", "--since", "2028-02-29"])
        #expect(leap.code == 0, "a leap day is a day: \(leap.stderr)")
        let listed = try await binary.run(["list", "--format", "csv"])
        #expect(listed.stdout.split(separator: "\n").count == 2, "no import with a refused batch name stored anything")
    }

    @Test func aPortOver65535IsRejectedAtImport() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let csv = "url\nhttps://img.example:99999/a.jpg\nhttps://img.example:65535/b.jpg\nhttp://[::1]:70000/c.jpg\n"
        let result = try await BinaryRunner(directory: directory).run(["import", "-"], stdin: csv)
        #expect(result.code == 0)
        #expect(result.stdout.contains("imported 1, skipped 0 duplicates, rejected 2"), "\(result.stdout)")
        #expect(result.stderr.contains("-:2: URL has an invalid port 99999 (ports go up to 65535)"), "\(result.stderr)")
        #expect(result.stderr.contains("-:4: URL has an invalid port 70000"), "\(result.stderr)")
    }

    /// A record over 1 MiB is rejected (skipped in flat memory) and the import goes on.
    @Test func aRecordOverOneMiBIsRejectedAndTheImportGoesOn() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Many fields, each under the 64 KiB field limit, together over 1 MiB.
        let field = String(repeating: "x", count: 60_000)
        let big = "https://img.example/big.jpg," + Array(repeating: field, count: 20).joined(separator: ",")
        let csv = "url,note\nhttps://img.example/a.jpg,x\n\(big)\nhttps://img.example/c.jpg,x\n"
        let path = directory + "/big.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await BinaryRunner(directory: directory).run(["import", path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("imported 2, skipped 0 duplicates, rejected 1"), "\(result.stdout)")
        #expect(result.stderr.contains("\(path):3: record over 1 MiB"), "\(result.stderr)")
    }
}
