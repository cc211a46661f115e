import ArgumentParser

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
