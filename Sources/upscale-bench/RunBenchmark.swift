import ArgumentParser

struct RunBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not yet built)")
    func run() async throws { throw ExitCode(2) }
}
