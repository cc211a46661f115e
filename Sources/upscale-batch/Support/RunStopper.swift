import Foundation
import Synchronization
import UnixSignals
import UpscaleBatch

/// Turns SIGINT/SIGTERM into a graceful stop of the run, from the first moment of `run`.
///
/// The trap is installed (`await RunStopper()` returns once it is) before anything a caller can
/// observe (the lock, the "run started" line), so a signal that follows that line closely can
/// never meet the default action and kill the process with 143. A signal that arrives before
/// the runner exists is remembered and stops the runner the moment it is attached.
final class RunStopper: Sendable {
    private final class Shared: Sendable {
        struct State {
            var runner: JobRunner?
            var stopRequested = false
            var beforeStop: (@Sendable () -> Void)?
        }

        let state = Mutex(State())

        func stop(signal: UnixSignal) {
            let (runner, beforeStop) = state.withLock { state in
                state.stopRequested = true
                return (state.runner, state.beforeStop)
            }
            beforeStop?()
            printError(
                "\(signal == .sigterm ? "SIGTERM" : "interrupt"): stopping; letting requests in flight finish (Ctrl-C again exits at once)"
            )
            runner?.requestStop(.interrupted)
        }
    }

    private let shared: Shared
    private let trap: SignalTrap

    init() async {
        let shared = Shared()
        self.shared = shared
        trap = await SignalTrap { signal in shared.stop(signal: signal) }
    }

    /// The run to stop (stopped at once when a signal already came); `beforeStop` runs first
    /// on every stop (it clears the progress line).
    func attach(_ runner: JobRunner, beforeStop: @escaping @Sendable () -> Void) {
        let stopNow = shared.state.withLock { state -> Bool in
            state.runner = runner
            state.beforeStop = beforeStop
            return state.stopRequested
        }
        if stopNow { runner.requestStop(.interrupted) }
    }

    /// Stops listening: the run is over, later signals stop nothing.
    func cancel() { trap.cancel() }
}
