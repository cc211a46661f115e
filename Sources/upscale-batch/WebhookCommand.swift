import ArgumentParser

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
