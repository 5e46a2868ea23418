import Logging
import NIOCore
import NIOPosix
import SpoolProtocol

/// The shared core of the producer, consumer and admin client: connections to brokers (one per node,
/// opened on first use, reopened after a failure), version negotiation, and a metadata cache that is
/// refreshed when a broker says it is not the leader or does not know a topic.
///
/// An actor: safe to share between tasks.
public actor KafkaClient {
    /// The configuration it was made with.
    public nonisolated let configuration: ClientConfiguration
    nonisolated let group: any EventLoopGroup
    nonisolated let logger: Logger
    private var connections: [Int32: Task<BrokerConnection, any Error>] = [:]
    private var bootstrap: Task<BrokerConnection, any Error>?
    private var brokers: [Int32: ClusterMetadata.Broker] = [:]
    private var topicCache: [String: (topic: ClusterMetadata.Topic, fetched: ContinuousClock.Instant)] = [:]
    private var isClosed = false
    /// Per node (-1 for the bootstrap servers): when the next connect may start, and the pause that led there.
    private var reconnectPauses: [Int32: (notBefore: ContinuousClock.Instant, pauseMs: Int64)] = [:]

    /// Makes a client; nothing connects until the first request.
    /// - Parameters:
    ///   - configuration: bootstrap servers, timeouts and retry pauses.
    ///   - logger: where connection problems are logged.
    public init(configuration: ClientConfiguration, logger: Logger = Logger(label: "spool.client")) {
        self.configuration = configuration
        self.group = MultiThreadedEventLoopGroup.singleton
        self.logger = logger
    }

    func setBroker(_ id: Int32, _ broker: ClusterMetadata.Broker) { brokers[id] = broker }
    func cacheTopic(_ name: String, _ topic: ClusterMetadata.Topic?) { topicCache[name] = topic.map { ($0, .now) } }
    /// The cached topic, unless it is older than `metadataMaxAgeMs` (so added partitions are seen in time).
    func cachedTopic(_ name: String) -> ClusterMetadata.Topic? {
        guard let entry = topicCache[name],
            ContinuousClock.now - entry.fetched < .milliseconds(configuration.metadataMaxAgeMs)
        else { return nil }
        return entry.topic
    }

    var timeouts: ClientTimeouts {
        ClientTimeouts(connectMs: configuration.connectTimeoutMs, requestMs: configuration.requestTimeoutMs)
    }

    /// Sends a request to a broker and returns its response.
    /// - Parameters:
    ///   - node: the broker's node id, or nil for any broker (the bootstrap connection).
    ///   - maximumVersion: the highest version this caller can fill in; the broker's maximum may be lower.
    ///   - type: the response type.
    ///   - timeoutMs: the response deadline; the configured request timeout when nil.
    ///   - build: makes the request body for the negotiated version.
    /// - Throws: `SpoolClientError` for connection failures, timeouts and undecodable responses.
    public func send<Request: KafkaRequestMessage, Response: KafkaResponseMessage>(
        to node: Int32? = nil, maximumVersion: Int16, as type: Response.Type, timeoutMs: Int64? = nil,
        _ build: (Int16) throws(SpoolClientError) -> Request
    ) async throws(SpoolClientError) -> Response {
        let connection = try await connection(to: node)
        let version = try connection.version(for: Request.apiKey, maximum: maximumVersion)
        let request = try build(version)
        do {
            return try await connection.send(
                request, as: type, version: version, timeoutMs: timeoutMs ?? configuration.requestTimeoutMs)
        } catch {
            if error.isConnectionFailure || !connection.isActive { forget(node: node, connection) }
            throw error
        }
    }

    /// Writes a request to a broker before returning, and gives back what waits for its response: calls
    /// made one after another from one task reach the broker in that order (see `BrokerConnection.start`).
    /// - Parameters:
    ///   - node: the broker's node id.
    ///   - maximumVersion: the highest version this caller can fill in.
    ///   - type: the response type.
    ///   - build: makes the request body for the negotiated version.
    /// - Throws: `SpoolClientError` when no connection can be had or the request cannot be encoded.
    func start<Request: KafkaRequestMessage, Response: KafkaResponseMessage>(
        to node: Int32, maximumVersion: Int16, as type: Response.Type,
        _ build: (Int16) throws(SpoolClientError) -> Request
    ) async throws(SpoolClientError) -> PendingResponse<Response> {
        let connection = try await connection(to: node)
        let version = try connection.version(for: Request.apiKey, maximum: maximumVersion)
        return try connection.start(
            try build(version), as: type, version: version, timeoutMs: configuration.requestTimeoutMs)
    }

    /// Sends a request that gets no response (Produce with acks=0).
    /// - Throws: `SpoolClientError` for connection failures.
    func sendWithoutResponse<Request: KafkaRequestMessage>(
        to node: Int32?, maximumVersion: Int16, _ build: (Int16) throws(SpoolClientError) -> Request
    ) async throws(SpoolClientError) {
        let connection = try await connection(to: node)
        let version = try connection.version(for: Request.apiKey, maximum: maximumVersion)
        do {
            try await connection.sendWithoutResponse(
                try build(version), version: version, timeoutMs: configuration.requestTimeoutMs)
        } catch {
            forget(node: node, connection)
            throw error
        }
    }

    private func forget(node: Int32?, _ connection: BrokerConnection) {
        connection.close()
        if let node { connections[node] = nil } else { bootstrap = nil }
    }

    /// An open connection to the node (or any broker), reusing one when it is still up.
    func connection(to node: Int32?) async throws(SpoolClientError) -> BrokerConnection {
        guard !isClosed else { throw .closed }
        let existing = node.flatMap { connections[$0] } ?? (node == nil ? bootstrap : nil)
        if let existing, let open = try? await existing.value, open.isActive { return open }
        // Reconnect with backoff: after a failed connect to this node, the next one waits its turn.
        let key = node ?? -1
        let wait = reconnectPauses[key].map(\.notBefore)
        let task: Task<BrokerConnection, any Error>
        if let node {
            guard let broker = brokers[node] else {
                throw .kafka(.init(8), "no address known for broker \(node)")  // BROKER_NOT_AVAILABLE
            }
            let (timeouts, clientId, group) = (self.timeouts, configuration.clientId, self.group)
            task = Task {
                if let wait { try? await Task.sleep(until: wait, clock: .continuous) }
                return try await BrokerConnection.connect(
                    host: broker.host, port: broker.port, clientId: clientId, group: group, timeouts: timeouts)
            }
            connections[node] = task
        } else {
            task = Task {
                if let wait { try? await Task.sleep(until: wait, clock: .continuous) }
                return try await self.connectToBootstrap()
            }
            bootstrap = task
        }
        do {
            let connection = try await task.value
            reconnectPauses[key] = nil
            return connection
        } catch {
            if let node { connections[node] = nil } else { bootstrap = nil }
            let pause = reconnectPauses[key].map { min($0.pauseMs * 2, configuration.retryBackoffMaxMs) }
                ?? configuration.retryBackoffMs
            reconnectPauses[key] = (ContinuousClock.now + .milliseconds(pause), pause)
            throw Self.clientError(error)
        }
    }

    /// Tries the bootstrap servers in order, then the known brokers.
    private func connectToBootstrap() async throws(SpoolClientError) -> BrokerConnection {
        var lastError = SpoolClientError.invalidArgument("no bootstrap servers configured")
        var addresses: [(String, Int)] = []
        for server in configuration.bootstrapServers {
            addresses.append(try ClientConfiguration.parse(address: server))
        }
        addresses += brokers.values.sorted { $0.nodeId < $1.nodeId }.map { ($0.host, $0.port) }
        for (host, port) in addresses {
            do {
                return try await BrokerConnection.connect(
                    host: host, port: port, clientId: configuration.clientId, group: group, timeouts: timeouts)
            } catch {
                lastError = error
                logger.debug(
                    "bootstrap connection failed", metadata: ["address": "\(host):\(port)", "error": "\(error)"])
            }
        }
        throw lastError
    }

    /// Closes every connection; later requests fail with `SpoolClientError.closed`.
    public func close() async {
        isClosed = true
        let tasks = Array(connections.values) + (bootstrap.map { [$0] } ?? [])
        connections.removeAll()
        bootstrap = nil
        for task in tasks { (try? await task.value)?.close() }
    }

    static func clientError(_ error: any Error) -> SpoolClientError {
        if let error = error as? SpoolClientError { return error }
        return .connectionFailed("broker", "\(error)")
    }

    /// Runs `body` again after a growing pause while it fails with a retriable error, until `deadlineMs`
    /// milliseconds have passed; `onRetry` runs before each new attempt (e.g. to refresh metadata).
    /// - Throws: the last error, when it is not retriable or the time is up.
    nonisolated func withRetries<T: Sendable>(
        deadlineMs: Int64, onRetry: @Sendable (SpoolClientError) async -> Void = { _ in },
        _ body: @Sendable () async throws(SpoolClientError) -> T
    ) async throws(SpoolClientError) -> T {
        let deadline = ContinuousClock.now + .milliseconds(deadlineMs)
        var pause = configuration.retryBackoffMs
        while true {
            do {
                return try await body()
            } catch {
                guard error.isRetriable, ContinuousClock.now + .milliseconds(pause) < deadline else { throw error }
                logger.debug("retrying", metadata: ["error": "\(error)", "pauseMs": "\(pause)"])
                try? await Task.sleep(for: .milliseconds(pause))
                if Task.isCancelled { throw error }
                pause = min(pause * 2, configuration.retryBackoffMaxMs)
                await onRetry(error)
            }
        }
    }
}
