import Logging
import ServiceLifecycle
import UnixSignals

extension WebhookServer {
    /// Serves until SIGTERM or SIGINT, then stops gracefully and returns (for `webhook serve`,
    /// which then exits 0). Throws when the server fails on its own.
    ///
    /// The signals take the path of every long-running service here: a `ServiceGroup` that
    /// traps them and turns them into a graceful shutdown (the simulator does the same).
    /// `ready` runs once the signals are trapped: print the "listening on" line there, so a
    /// signal sent as soon as that line is read already stops the server gracefully.
    public func run(whenReady ready: @escaping @Sendable () -> Void = {}) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [SignalWatch(server: self, onStart: ready)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// Bridges the signal-trapping group to the running server: on graceful shutdown it stops
    /// the server; it ends when the server has stopped (on a signal, or on its own).
    private struct SignalWatch: Service {
        let server: WebhookServer
        /// Called first thing: the group has trapped its signals before starting its services.
        let onStart: @Sendable () -> Void

        func run() async throws {
            onStart()
            try await withGracefulShutdownHandler {
                try await server.waitUntilStopped()
            } onGracefulShutdown: {
                server.logger.info("webhook receiver stopping on signal")
                Task { await server.stop() }
            }
        }
    }
}
