import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Sends the completion webhooks, each at its job's completion time, independent of polling.
///
/// A `Service` in the simulator's `ServiceGroup`: one child task per scheduled delivery in a
/// discarding task group, all cancelled on graceful shutdown (after the HTTP server has
/// stopped), then its own `HTTPClient` is shut down. Only loopback targets are contacted.
final class WebhookDispatcher: Service {
    private let state: SimulatorState
    private let client: HTTPClient
    private let logger: Logger
    private let deliveries: AsyncStream<WebhookDelivery>
    private let continuation: AsyncStream<WebhookDelivery>.Continuation

    init(state: SimulatorState, logger: Logger) {
        self.state = state
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(1), read: .seconds(5))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        (deliveries, continuation) = AsyncStream.makeStream(of: WebhookDelivery.self)
    }

    /// Queues a delivery; it waits in its own task until its due time.
    func schedule(_ delivery: WebhookDelivery) {
        continuation.yield(delivery)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await delivery in self.deliveries {
                    group.addTask { await self.deliver(delivery) }
                }
            }
        }
        try await shutdownClient()
    }

    /// Shuts the HTTP client down; also used when the server never got to run.
    func shutdownClient() async throws {
        continuation.finish()
        try await client.shutdown()
    }

    private func deliver(_ delivery: WebhookDelivery) async {
        do {
            try await Task.sleep(until: delivery.dueAt, clock: .continuous)
        } catch {
            return
        }
        guard LoopbackHost.isLoopbackURL(delivery.url) else {
            logger.debug("webhook not delivered: not a loopback target", metadata: ["request.id": .string(delivery.requestID)])
            state.recordWebhookNotDelivered()
            return
        }
        for _ in 0..<delivery.copies {
            await post(delivery)
        }
    }

    /// One delivery with its retries: counts every failed attempt, and the delivery as not
    /// delivered when the attempts run out.
    private func post(_ delivery: WebhookDelivery) async {
        let attempts = max(1, state.configuration.webhookAttempts)
        for attempt in 1...attempts {
            if Task.isCancelled { return }
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "enhancor-simulator/\(SimulatorVersion.current)")
            request.body = .bytes(ByteBuffer(string: delivery.payload))
            do {
                let response = try await client.execute(request, timeout: .seconds(5))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) {
                    state.recordWebhookSent()
                    return
                }
                logger.debug("webhook answered \(response.status.code)", metadata: ["request.id": .string(delivery.requestID)])
            } catch {
                if Task.isCancelled { return }
                logger.debug("webhook failed: \(error)", metadata: ["request.id": .string(delivery.requestID)])
            }
            state.recordWebhookFailed()
            if attempt < attempts {
                let backoff = min(2.0, 0.1 * Double(1 << (attempt - 1)))
                do { try await Task.sleep(for: .seconds(backoff)) } catch { return }
            }
        }
        state.recordWebhookNotDelivered()
    }
}
