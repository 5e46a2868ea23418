import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SpoolBroker

/// The admin HTTP listener (`admin.listen`): `/health/live`, `/health/ready`, Prometheus `/metrics`, the JSON
/// API under `/api` and the web console at `/`. It runs on its own event-loop thread, so that nothing it does
/// competes with the Kafka listener's loops; the API's actions go through the broker's Kafka handlers (one
/// implementation of every admin rule), as a Kafka client on the broker's own listener.
public struct AdminServer: Service {
    /// What `/metrics` answers: Prometheus text exposition, made at scrape time.
    public typealias MetricsText = @Sendable () async -> String

    let application: Application<RouterResponder<BasicRequestContext>>
    let state: AdminState
    let group: MultiThreadedEventLoopGroup
    let address: ListenAddress

    /// Makes the listener (it binds when run).
    /// - Parameters:
    ///   - configuration: the broker's settings (`admin.listen`, `admin.users`).
    ///   - state: start-up phase and the broker once it is open.
    ///   - metrics: what `/metrics` answers.
    ///   - logger: where to log.
    /// - Throws: `AdminConfigurationError` when the address is not loopback and no user is configured.
    public init(
        configuration: BrokerConfiguration, state: AdminState, metrics: @escaping MetricsText, logger: Logger
    ) throws {
        let users = AdminUsers(parsing: configuration.adminUsers)
        let address = configuration.adminListen
        // With a SASL listener the Kafka users guard this listener too, on loopback or not.
        let kafkaUsers = (try? configuration.resolvedListeners())?.contains(where: \.securityProtocol.usesSASL) ?? false
        if users.isEmpty && !kafkaUsers && !Self.isLoopback(address.host) {
            throw AdminConfigurationError(
                description: "admin.listen \(address) is not a loopback address and admin.users is empty: anyone "
                    + "who reaches it could delete topics. Add a user (`spool admin passwd NAME` prints an "
                    + "admin.users entry) or bind admin.listen to 127.0.0.1")
        }
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: BasicAuthenticationMiddleware(users: users, kafkaUsers: kafkaUsers ? state : nil))
        AdminRoutes(state: state, metrics: metrics, logger: logger).register(on: router)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.state = state
        self.address = address
        var quiet = logger
        quiet[metadataKey: "listener"] = "admin"
        quiet.logLevel = max(logger.logLevel, .warning)
        let announce = logger
        application = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(configuration.adminConnectionsMaxIdleMs))),
            configuration: .init(
                address: .hostname(address.host, port: address.port), serverName: "spool",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.adminMaximumConnections)),
            onServerRunning: { channel in
                state.listening(on: channel.localAddress?.port)
                announce.info(
                    "admin listener started",
                    metadata: [
                        "address": "\(address.host):\(channel.localAddress?.port ?? address.port)",
                        "port": "\(channel.localAddress?.port ?? address.port)",
                        "authentication": "\(users.isEmpty && !kafkaUsers ? "none (loopback)" : "basic")",
                    ])
            },
            eventLoopGroupProvider: .shared(group), logger: quiet)
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: {
                state.markStopping()
            }
        } catch where state.adminPort == nil {
            // It never listened: the bind failed.
            throw ListenerBindError(
                address: address.description, error: error, setting: "admin.listen", flag: "--admin-listen")
        }
        await state.closeClient()
        try? await group.shutdownGracefully()
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The admin listener's settings cannot be used as given.
public struct AdminConfigurationError: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    public let description: String
}
