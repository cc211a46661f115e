import Foundation
import UnixSignals

/// SIGINT and SIGTERM during a run, through ServiceLifecycle's `UnixSignalsSequence`: the same
/// signal path as the servers' graceful shutdown (`webhook serve`, `simulate`), which trap the
/// same two signals through a `ServiceGroup`. The run traps them itself rather than in a
/// `ServiceGroup` because it needs what a group does not give: which signal came (the message
/// says it), and a second SIGINT that exits at once with 130 (safe: every state change is
/// already committed, and an in-flight submission is left marked in doubt, so the next run
/// flags its resubmission).
final class SignalTrap: Sendable {
    private let listener: Task<Void, Never>

    /// Returns once both signals are trapped: from then on neither takes its default action.
    /// `onStop` runs for each signal but a second SIGINT (which exits instead).
    init(onStop: @escaping @Sendable (UnixSignal) -> Void) async {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        listener = Task {
            var seen = 0
            for await signal in signals {
                seen += 1
                if seen > 1 && signal == .sigint {
                    printError("second interrupt: exiting at once")
                    exit(ExitCodes.interrupted)
                }
                onStop(signal)
            }
        }
    }

    /// Stops listening (the run is over; nothing is left to stop).
    func cancel() {
        listener.cancel()
    }
}
