import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import ServiceLifecycle

/// The Kafka listeners, run as a service: binds each of `listeners` (PLAINTEXT, SSL, SASL_PLAINTEXT,
/// SASL_SSL), accepts connections (up to `max.connections` over all of them), frames requests
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
    private let bound = NIOLockedValueBox<[(name: String, channel: any Channel)]>([])
    /// The listeners to bind, first the primary one.
    let listeners: [ListenerSpec]
    /// The TLS context of the SSL and SASL_SSL listeners (reloaded on SIGHUP); nil when none uses TLS.
    let tls: ReloadableTLSContext?
    private let accepted = Counter(label: "spool_connections_accepted_total")
    private let refused = Counter(label: "spool_connections_refused_total")

    /// - Throws: `ConfigurationError` when the listeners are inconsistent or the TLS files cannot be used.
    init(configuration: BrokerConfiguration, dispatcher: RequestDispatcher, cluster: ClusterIdentity, logger: Logger)
        throws(ConfigurationError)
    {
        self.configuration = configuration
        self.listeners = try configuration.resolvedListeners()
        self.tls = listeners.contains(where: \.securityProtocol.usesTLS)
            ? try ReloadableTLSContext(settings: configuration.ssl) : nil
        self.dispatcher = dispatcher
        self.cluster = cluster
        self.logger = logger
        self.requestMemory = RequestMemoryPool(capacityBytes: configuration.queuedMaxRequestBytes)
    }

    /// Connections open now (what `/metrics` reports as `spool_connections_open`).
    var openConnections: Int { connections.withLockedValue { $0.count } }

    /// The primary listener's bound port once listening (the real one when the configuration asked for port 0).
    var localPort: Int? { bound.withLockedValue { $0.first?.channel.localAddress?.port } }

    /// Each bound listener's port, by name.
    var listenerPorts: [String: Int] {
        bound.withLockedValue { entries in
            var ports: [String: Int] = [:]
            for entry in entries { ports[entry.name] = entry.channel.localAddress?.port }
            return ports
        }
    }

    /// Binds every listener; `run()` then serves until graceful shutdown.
    func bind() async throws {
        do {
            for listener in listeners { try await bind(listener) }
        } catch {
            let opened = bound.withLockedValue { $0 }
            for entry in opened { try? await entry.channel.close() }
            throw error
        }
    }

    private func bind(_ listener: ListenerSpec) async throws {
        let bootstrap = ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            // Reads per wake-up: also the bytes a connection may take in after it was told to stop reading
            // (4 reads of up to 64 KiB), a term of the memory bound in README.md.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 4)
            .childChannelInitializer { [self] channel in
                accept(channel, listener: listener)
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: listener.address.host, port: listener.address.port).get()
        } catch {
            throw ListenerBindError(address: "\(listener.address)", error: error)
        }
        bound.withLockedValue { $0.append((listener.name, channel)) }
        let port = channel.localAddress?.port ?? listener.address.port
        cluster.listenerBound(listener.name, port: port)
        logger.info(
            "Kafka listener ready",
            metadata: [
                "listener": "\(listener.name)", "securityProtocol": "\(listener.securityProtocol.rawValue)",
                "address": "\(ListenAddress(host: listener.address.host, port: port))",
            ])
        // Its own line: tools read the bound port as the last HOST:PORT of the "ready" line.
        let advertised = cluster.advertisedAddress(for: listener.name)
        if advertised != ListenAddress(host: listener.address.host, port: port) {
            logger.info(
                "Kafka listener advertised", metadata: ["listener": "\(listener.name)", "to": "\(advertised)"])
        }
        if listener.securityProtocol == .plaintext && !listener.isLoopback {
            let warning = "a PLAINTEXT listener off loopback: anyone who reaches the port can read, write and delete "
                + "every topic; use SASL_SSL, or bind it to 127.0.0.1"
            logger.warning(
                "\(warning)",
                metadata: ["listener": "\(listener.name)", "address": "\(listener.address)"])
        }
    }

    private func accept(_ channel: any Channel, listener: ListenerSpec) -> EventLoopFuture<Void> {
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
            let session = ConnectionSession(
                remote: remote, host: host, listenerName: listener.name,
                requiresSasl: listener.securityProtocol.usesSASL)
            let sync = channel.pipeline.syncOperations
            let usesTLS = listener.securityProtocol.usesTLS
            if usesTLS, let tls {
                try sync.addHandler(NIOSSLServerHandler(context: tls.context))
                try sync.addHandler(ClientCertificatePrincipal(session: session))
            }
            try sync.addHandler(receiver)
            try sync.addHandler(
                KafkaConnectionHandler(
                    dispatcher: dispatcher, session: session, receiver: receiver, limits: limits,
                    unsent: unsentReplies, logger: logger, sendsFiles: !usesTLS))
        }
    }

    /// Serves until graceful shutdown, then stops accepting and closes every connection.
    func run() async throws {
        if bound.withLockedValue({ $0.isEmpty }) { try await bind() }
        try? await gracefulShutdown()
        let listeners = bound.withLockedValue { $0 }
        for entry in listeners { try? await entry.channel.close() }
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { try? await channel.close() }
        logger.info("Kafka listener closed", metadata: ["connectionsClosed": "\(open.count)"])
    }
}

/// Takes the principal of a TLS connection from its client certificate, once the handshake has verified it
/// (`ssl.client.auth` requested or required): `User:` and the certificate's subject, as Kafka's SSL principal.
/// Without a certificate the connection stays `User:ANONYMOUS` (or becomes the SASL user, on SASL_SSL).
/// Not thread-safe: one per channel, on its event loop.
final class ClientCertificatePrincipal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let session: ConnectionSession

    init(session: ConnectionSession) {
        self.session = session
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            if let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
               let principal = KafkaPrincipal(certificate: certificate)
            {
                session.authenticated(as: principal)
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
