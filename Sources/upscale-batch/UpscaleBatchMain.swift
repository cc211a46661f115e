import ArgumentParser

/// The entry point: the process's malloc arenas are set before any thread starts, then the
/// root command parses the command line and runs.
@main
enum UpscaleBatchMain {
    static func main() async {
        MallocArenas.limitToOne()
        await UpscaleBatchCommand.main()
    }
}
