import EnhancorSimulator
import Foundation
import Logging

@testable import UpscaleBatch

/// Starts a simulator on a free loopback port and a client pointed at it, runs a test body,
/// and always shuts both down.
enum APISimulatorHarness {
    static let webhookURL = "http://127.0.0.1:9/hook"

    static var quietLogger: Logger {
        var logger = Logger(label: "api-test")
        logger.logLevel = .error
        return logger
    }

    /// A policy with short delays, so tests spend little time waiting.
    static var fastPolicy: RetryPolicy {
        var policy = RetryPolicy()
        policy.baseDelay = 0.02
        policy.maxDelay = 0.1
        policy.probeBaseDelay = 0.05
        policy.probeMaxDelay = 0.2
        return policy
    }

    static func with<T>(
        simulator tweak: (inout SimulatorConfiguration) -> Void = { _ in },
        client clientTweak: (inout EnhancorClientConfiguration) -> Void = { _ in },
        _ body: (EnhancorHTTPClient, SimulatorServer) async throws -> T
    ) async throws -> T {
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.webhooksEnabled = false
        tweak(&simulatorConfiguration)
        let server = try await SimulatorServer.start(simulatorConfiguration, logger: quietLogger)
        var configuration = EnhancorClientConfiguration(
            baseURL: server.baseURL, apiKey: simulatorConfiguration.apiKey, maxConnections: 64,
            connectTimeout: 30, requestTimeout: 60, environment: [:], retry: fastPolicy)
        clientTweak(&configuration)
        let client: EnhancorHTTPClient
        do {
            client = try EnhancorHTTPClient(configuration: configuration, logger: quietLogger)
        } catch {
            await server.stop()
            throw error
        }
        do {
            let result = try await body(client, server)
            try await client.shutdown()
            await server.stop()
            return result
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
    }

    /// The result of an async call that throws `EnhancorError`, as a value.
    static func result<T>(_ body: () async throws -> T) async -> Result<T, EnhancorError> {
        do {
            return .success(try await body())
        } catch let error as EnhancorError {
            return .failure(error)
        } catch {
            return .failure(.configuration(detail: "unexpected error type: \(error)"))
        }
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
