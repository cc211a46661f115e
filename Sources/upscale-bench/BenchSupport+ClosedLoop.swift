import Dispatch
import Synchronization

extension BenchSupport {
    /// Runs `count` units of work, `concurrency` of them in flight until the last has started
    /// (a closed loop: each that finishes lets the next one start), and returns how many failed.
    ///
    /// It drives the API client the way the product's pool does (`JobRunner`): one serial
    /// Dispatch feeder waits on a semaphore for a free slot and starts the next unit, whose
    /// completion frees the slot. So the client benchmarks measure the client as a run uses it,
    /// with no task hops of their own in the way. `start(index, finished)` must start unit
    /// `index` without blocking and call `finished(failed)` once, when the unit is over.
    static func runClosedLoop(
        count: Int, concurrency: Int,
        start: @escaping @Sendable (_ index: Int, _ finished: @escaping @Sendable (_ failed: Bool) -> Void) -> Void
    ) async -> Int {
        // Nothing would ever finish, and so nothing would end the wait.
        guard count > 0 else { return 0 }
        let failures = Atomic<Int>(0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let remaining = Atomic<Int>(count)
            let slots = DispatchSemaphore(value: concurrency)
            @Sendable func finished(_ failed: Bool) {
                if failed { failures.add(1, ordering: .relaxed) }
                slots.signal()
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.resume() }
            }
            DispatchQueue(label: "bench.feeder").async {
                for index in 0..<count {
                    slots.wait()
                    start(index, finished)
                }
            }
        }
        return failures.load(ordering: .relaxed)
    }
}
