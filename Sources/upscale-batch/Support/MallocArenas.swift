#if canImport(Glibc)
    import CMallocTuning
    import Glibc
#endif

/// The process's malloc arenas, limited to one before any thread starts.
///
/// glibc gives threads that contend for malloc arenas of their own (up to eight per core), and
/// memory freed into one is reused only by the threads attached to it. A run's threads (NIO's
/// event loops, Dispatch's workers, GRDB's queues) each take turns allocating, so the arenas
/// kept growing with the number of jobs: a run of 100,000 jobs peaked 6 to 7 MB above one of
/// 10,000. With one arena both stayed within about 2 MB of each other, at no measurable cost in
/// CPU for `run` or `import` on this project's 2-core machines (README, "Performance"). Users
/// can still choose otherwise with `MALLOC_ARENA_MAX`, which glibc reads before this runs and
/// which this leaves alone.
enum MallocArenas {
    static func limitToOne() {
        #if canImport(Glibc)
            guard getenv("MALLOC_ARENA_MAX") == nil else { return }
            _ = mallopt(M_ARENA_MAX, 1)
        #endif
    }
}
