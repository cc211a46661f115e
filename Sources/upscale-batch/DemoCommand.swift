import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
