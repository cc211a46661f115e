import Foundation
import TestSupport
import Testing

/// scripts/install.sh into a temporary PREFIX, with the debug binary (no release build in a
/// test): completions, the man page and the systemd units land where shells, man and systemd
/// look for them, and the committed man page is in step with the commands.
@Suite(.serialized, .bounded) struct InstallEndToEndTests {
    static let script = BinaryRunner.packageRoot + "/scripts/install.sh"
    static let manPage = BinaryRunner.packageRoot + "/share/man/man1/upscale-batch.1"

    private func which(_ tool: String) -> String? {
        ["/usr/bin/", "/bin/", "/usr/sbin/", "/usr/local/bin/"].map { $0 + tool }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    @Test func installPutsCompletionsManPageAndUnitsUnderPrefix() async throws {
        let directory = NSTemporaryDirectory() + "upscale-batch-install-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let prefix = directory + "/prefix"
        var runner = BinaryRunner(directory: directory)
        runner.environment["PREFIX"] = prefix
        runner.environment["BINARY"] = BinaryRunner.binary
        runner.environment["STRIP"] = "0"
        let result = try await runner.runExecutable("/bin/bash", [Self.script], timeout: 300)
        #expect(result.code == 0, "install.sh: \(result.stdout)\n\(result.stderr)")

        let expected = [
            "bin/upscale-batch", "share/bash-completion/completions/upscale-batch", "share/zsh/site-functions/_upscale-batch",
            "share/fish/vendor_completions.d/upscale-batch.fish", "share/man/man1/upscale-batch.1",
            "share/upscale-batch/scripts/nightly.sh", "share/upscale-batch/systemd/upscale-batch-webhook.service",
            "share/upscale-batch/systemd/upscale-batch-nightly.service",
            "share/upscale-batch/systemd/upscale-batch-nightly.timer",
        ]
        for file in expected {
            #expect(FileManager.default.fileExists(atPath: prefix + "/" + file), "\(file) installed")
        }
        let bashCompletion = try String(
            contentsOfFile: prefix + "/share/bash-completion/completions/upscale-batch", encoding: .utf8)
        for word in ["backup", "--metrics-file", "--out", "html"] {
            #expect(bashCompletion.contains(word), "the completion knows \(word)")
        }
        // bash loads it and registers the completion.
        let loaded = try await runner.runExecutable(
            "/bin/bash",
            ["-c", "source \"$0\" && complete -p upscale-batch", prefix + "/share/bash-completion/completions/upscale-batch"])
        #expect(loaded.code == 0 && loaded.stdout.contains("upscale-batch"), "\(loaded)")
        if let zsh = which("zsh") {
            let checked = try await runner.runExecutable(zsh, ["-n", prefix + "/share/zsh/site-functions/_upscale-batch"])
            #expect(checked.code == 0, "zsh -n: \(checked.stderr)")
        }
        if let fish = which("fish") {
            let checked = try await runner.runExecutable(
                fish, ["-n", prefix + "/share/fish/vendor_completions.d/upscale-batch.fish"])
            #expect(checked.code == 0, "fish -n: \(checked.stderr)")
        }
        #expect(
            try String(contentsOfFile: prefix + "/share/man/man1/upscale-batch.1", encoding: .utf8)
                == String(contentsOfFile: Self.manPage, encoding: .utf8))

        // The units point into PREFIX, and systemd finds nothing to say about them.
        let webhook = try String(
            contentsOfFile: prefix + "/share/upscale-batch/systemd/upscale-batch-webhook.service", encoding: .utf8)
        #expect(webhook.contains("ExecStart=\(prefix)/bin/upscale-batch webhook serve"), "\(webhook)")
        #expect(!webhook.contains("/usr/local/"))
        if let analyze = which("systemd-analyze") {
            var verify = runner
            verify.environment["MANPATH"] = prefix + "/share/man"
            let units = ["upscale-batch-webhook.service", "upscale-batch-nightly.service", "upscale-batch-nightly.timer"].map {
                prefix + "/share/upscale-batch/systemd/" + $0
            }
            // Documentation=man:upscale-batch(1) is checked with man(1) when it is installed.
            let manCheck = which("man") == nil ? ["--man=no"] : []
            let verified = try await verify.runExecutable(analyze, ["verify"] + manCheck + units)
            #expect(verified.code == 0 && verified.stderr.isEmpty, "systemd-analyze verify: \(verified.stdout)\(verified.stderr)")
        }
    }

    /// The committed man page records the digest of the command tree it was made from; a
    /// changed command, option or help text changes the tree, and this test says what to run.
    @Test func theCommittedManPageIsInStepWithTheCommands() async throws {
        let directory = NSTemporaryDirectory() + "upscale-batch-man-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = BinaryRunner(directory: directory)
        let dump = try await runner.run(["--experimental-dump-help"])
        #expect(dump.code == 0)
        try dump.stdout.write(toFile: directory + "/dump.json", atomically: true, encoding: .utf8)
        let digest = try await runner.runExecutable("/usr/bin/sha256sum", [directory + "/dump.json"])
        let current = String(digest.stdout.prefix(64))
        let page = try String(contentsOfFile: Self.manPage, encoding: .utf8)
        let recorded = page.firstMatch(of: /--experimental-dump-help: ([0-9a-f]{64})/).map { String($0.1) }
        #expect(
            recorded == current,
            "share/man/man1/upscale-batch.1 is out of step with the commands: run scripts/generate-manpage.sh and commit it")
        for command in ["import", "run", "report", "backup", "webhook serve"] {
            #expect(page.contains(command), "the page documents \(command)")
        }
    }
}
