import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM during a run: the first asks for a graceful stop, a second SIGINT exits
/// at once with 130 (safe: every state change is already committed, and an in-flight
/// submission is left marked in doubt, so the next run flags its resubmission).
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(onStop: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "upscale-batch.signals")
        let count = Mutex(0)
        sources = [SIGINT, SIGTERM].map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler {
                let seen = count.withLock { value -> Int in
                    value += 1
                    return value
                }
                if seen > 1 && signo == SIGINT {
                    printError("second interrupt: exiting at once")
                    exit(ExitCodes.interrupted)
                }
                onStop(signo)
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
