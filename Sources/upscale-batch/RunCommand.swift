import ArgumentParser

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
