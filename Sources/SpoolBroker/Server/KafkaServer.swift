import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The Kafka listener, run as a service: accepts connections (up to `max.connections`), frames requests
/// (up to `socket.request.max.bytes`, within the broker-wide `queued.max.request.bytes`), stops reading from a
/// connection whose unsent replies pass `socket.send.buffer.high.bytes`, closes idle connections and frames
/// that do not complete in time, and on graceful shutdown stops accepting and closes every connection.
/// Thread-safe.
final class KafkaServer: Service, Sendable {
    private let configuration: BrokerConfiguration
    /// Answers the requests of every connection.
    let dispatcher: RequestDispatcher
    let cluster: ClusterIdentity
    private let logger: Logger
    private let requestMemory: RequestMemoryPool
    private let unsentReplies = UnsentReplyBytes()
    private let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let bound = NIOLockedValueBox<(any Channel)?>(nil)
    private let accepted = Counter(label: "spool_connections_accepted_total")
    private let refused = Counter(label: "spool_connections_refused_total")

    init(configuration: BrokerConfiguration, dispatcher: RequestDispatcher, cluster: ClusterIdentity, logger: Logger)
    {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.cluster = cluster
        self.logger = logger
        self.requestMemory = RequestMemoryPool(capacityBytes: configuration.queuedMaxRequestBytes)
    }

    /// Connections open now (what `/metrics` reports as `spool_connections_open`).
    var openConnections: Int { connections.withLockedValue { $0.count } }

    /// The bound port once listening (the real one when the configuration asked for port 0).
    var localPort: Int? { bound.withLockedValue { $0?.localAddress?.port } }

    /// Binds the listener; `run()` then serves until graceful shutdown.
    func bind() async throws {
        let bootstrap = ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // Reads per wake-up: also the bytes a connection may take in after it was told to stop reading
            // (4 reads of up to 64 KiB), a term of the memory bound in README.md.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 4)
            .childChannelInitializer { [self] channel in
                accept(channel)
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port).get()
        } catch {
            throw ListenerBindError(address: "\(configuration.listen)", error: error)
        }
        bound.withLockedValue { $0 = channel }
        let port = channel.localAddress?.port ?? configuration.listen.port
        cluster.listenerBound(port: port)
        logger.info("Kafka listener ready", metadata: ["address": "\(configuration.listen.host):\(port)"])
    }

    private func accept(_ channel: any Channel) -> EventLoopFuture<Void> {
        let configuration = self.configuration
        let id = ObjectIdentifier(channel)
        let admitted = connections.withLockedValue { connections -> Bool in
            guard connections.count < configuration.maximumConnections else { return false }
            connections[id] = channel
            return true
        }
        guard admitted else {
            refused.increment()
            logger.warning(
                "refusing connection: max.connections reached",
                metadata: ["remote": "\(channel.remoteAddress?.description ?? "?")", "limit": "\(configuration.maximumConnections)"])
            return channel.close()
        }
        accepted.increment()
        channel.closeFuture.whenComplete { [connections] _ in
            _ = connections.withLockedValue { $0.removeValue(forKey: id) }
        }
        return channel.eventLoop.makeCompletedFuture {
            let receiver = KafkaFrameReceiver(
                maximumFrameBytes: configuration.maximumRequestBytes,
                connectionLimitBytes: configuration.queuedMaxRequestBytesPerConnection, pool: requestMemory)
            let limits = ConnectionLimits(
                maximumInFlight: configuration.maximumInFlightPerConnection,
                maximumUnsentReplyBytes: configuration.socketSendBufferHighBytes,
                idleTimeout: .milliseconds(configuration.connectionsMaxIdleMs),
                frameTimeout: .milliseconds(configuration.requestReceiveTimeoutMs))
            // The client's address, kept from the start: once the peer has gone the channel no longer knows it.
            let remote = channel.remoteAddress?.description ?? "unknown"
            // Kafka's client host, as DescribeGroups reports it: "/" and the address, not NIO's description.
            let host = channel.remoteAddress?.ipAddress.map { "/" + $0 } ?? ""
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(receiver)
            try sync.addHandler(
                KafkaConnectionHandler(
                    dispatcher: dispatcher, session: ConnectionSession(remote: remote, host: host), receiver: receiver,
                    limits: limits, unsent: unsentReplies, logger: logger))
        }
    }

    /// Serves until graceful shutdown, then stops accepting and closes every connection.
    func run() async throws {
        if bound.withLockedValue({ $0 }) == nil { try await bind() }
        try? await gracefulShutdown()
        let listener = bound.withLockedValue { $0 }
        try? await listener?.close()
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { try? await channel.close() }
        logger.info("Kafka listener closed", metadata: ["connectionsClosed": "\(open.count)"])
    }
}
