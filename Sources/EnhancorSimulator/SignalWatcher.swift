import ServiceLifecycle

/// Bridges a signal-handling `ServiceGroup` to a running `SimulatorServer`: on graceful
/// shutdown (SIGTERM/SIGINT) it stops the server; it ends when the server has stopped.
struct SignalWatcher: Service {
    let server: SimulatorServer
    /// Called first thing: the group has trapped its signals before starting its services.
    let onStart: @Sendable () -> Void

    func run() async throws {
        onStart()
        try await withGracefulShutdownHandler {
            try await server.waitUntilStopped()
        } onGracefulShutdown: {
            Task { await server.stop() }
        }
    }
}
