import ArgumentParser

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
