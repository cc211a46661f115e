import ArgumentParser

/// Benchmarks of upscale-batch. Each prints its figures as ratios against an ideal or a peer.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale-bench",
        abstract: "Benchmarks of upscale-batch against its simulator and against sqlite3.",
        subcommands: [
            ClientBenchmark.self, ClientJobsBaseline.self, RunBenchmark.self, RunnersBenchmark.self, ClaimsBenchmark.self,
            WebhookLoadBenchmark.self,
        ]
    )
}
