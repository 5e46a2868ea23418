import Logging
import ServiceLifecycle
import SpoolLog

/// Assembles the broker's long-running parts as swift-service-lifecycle services.
///
/// Today that is the storage engine (`LogManager`: background flush, retention and the clean shutdown);
/// the Kafka listener joins it when the protocol front lands. Services are listed so that a graceful
/// shutdown stops the listener before the logs close (a `ServiceGroup` shuts down in reverse order).
public struct Broker: Sendable {
    /// The effective settings.
    public let configuration: BrokerConfiguration
    /// The storage engine.
    public let logManager: LogManager

    /// Opens the data directory (taking its lock and recovering logs as needed).
    /// - Parameters:
    ///   - configuration: the effective settings.
    ///   - logger: where to log.
    /// - Throws: `LogError.dataDirectoryLocked` when another broker holds the directory, or an I/O error.
    public init(configuration: BrokerConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        self.logManager = try await LogManager.open(
            configuration: configuration.logManagerConfiguration, logger: logger)
    }

    /// The services to run, in start order.
    public var services: [any Service] { [logManager] }
}
