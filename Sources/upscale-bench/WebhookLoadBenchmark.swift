import ArgumentParser

struct WebhookLoadBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook-load", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
