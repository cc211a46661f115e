import ArgumentParser

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
