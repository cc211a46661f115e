import ArgumentParser

struct ClientBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
