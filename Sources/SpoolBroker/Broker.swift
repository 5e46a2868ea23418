import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SpoolLog
import SpoolMetadata

/// Assembles the broker's long-running parts as swift-service-lifecycle services: the storage engine
/// (`LogManager`: background flush, retention, clean shutdown), the log cleaner and the Kafka listener. A `ServiceGroup`
/// shuts services down in reverse order, so the listener stops (no new requests) before the logs close.
public struct Broker: Sendable {
    /// The effective settings.
    public let configuration: BrokerConfiguration
    /// The storage engine.
    public let logManager: LogManager
    /// Compacts the logs whose cleanup.policy includes `compact`.
    public let cleaner: LogCleaner
    let metadataStore: SQLiteMetadataStore
    /// The partition layer: appends, reads, offsets and waits.
    let partitions: PartitionManager
    let server: KafkaServer
    let groupService: GroupCoordinatorService
    /// Transactions (KIP-98): producer ids per transactional id, their state, markers and offsets.
    let transactions: TransactionCoordinator
    /// The transaction coordinator's timeout sweep.
    let transactionService: TransactionCoordinatorService
    /// Share-partitions (KIP-932 queues): acquisition, acknowledgement, lock expiry, durable state.
    let shares: SharePartitionManager

    /// Opens the data directory (taking its lock and recovering logs as needed) and the metadata database,
    /// loads the topics, and binds the Kafka listener.
    /// - Parameters:
    ///   - configuration: the effective settings.
    ///   - logger: where to log.
    /// - Throws: `LogError.dataDirectoryLocked` when another broker holds the directory, I/O errors, or a
    ///   `ListenerBindError` when the listener cannot bind (address in use, permission).
    public init(configuration: BrokerConfiguration, logger: Logger) async throws {
        let limits = OpenFileLimit.raiseToHardLimit()
        var configuration = configuration
        if configuration.maximumPartitions == 0 {
            configuration.maximumPartitions = OpenFileLimit.derivedMaximumPartitions(limit: limits.soft)
        }
        logger.info(
            "open-file limit",
            metadata: [
                "softBefore": "\(limits.softBefore)", "soft": "\(limits.soft)", "hard": "\(limits.hard)",
                "maxPartitions": "\(configuration.maximumPartitions)",
                "maxOpenLogFiles": "\(LogManager.resolvedMaximumOpenFiles(configuration.logManagerConfiguration))",
            ])
        self.configuration = configuration
        // The store is opened once the data directory's lock is held, and tells the log manager which partition
        // directories belong to which topic before any is adopted.
        let opened = NIOLockedValueBox<SQLiteMetadataStore?>(nil)
        let dataDirectory = configuration.dataDirectory
        let logManager = try await LogManager.open(
            configuration: configuration.logManagerConfiguration, logger: logger
        ) {
            let store = try SQLiteMetadataStore(dataDirectory: dataDirectory)
            opened.withLockedValue { $0 = store }
            return try await TopicCatalog.claims(in: store)
        }
        self.logManager = logManager
        self.cleaner = LogCleaner(manager: logManager, logger: logger)
        do {
            guard let store = opened.withLockedValue({ $0 }) else {
                preconditionFailure("LogManager.open returned without asking for the partition claims")
            }
            metadataStore = store
            let catalog = TopicCatalog(
                store: metadataStore, logManager: logManager, configuration: configuration,
                maximumPartitions: configuration.maximumPartitions, logger: logger)
            try await catalog.load()
            let groups = GroupCoordinator(
                settings: GroupSettings(configuration: configuration), store: metadataStore, logger: logger)
            try await groups.load()
            partitions = PartitionManager(
                catalog: catalog, logManager: logManager, configuration: configuration, logger: logger)
            let shares = SharePartitionManager(
                partitions: partitions, store: metadataStore, settings: ShareSettings(configuration: configuration),
                logger: logger)
            try await shares.load()
            self.shares = shares
            let partitions = self.partitions
            let transactions = TransactionCoordinator(
                store: metadataStore, settings: TransactionSettings(configuration: configuration),
                ongoing: partitions.ongoingTransactions, logger: logger
            ) { producerId, epoch, commit, members in
                try await partitions.writeTransactionMarkers(
                    producerId: producerId, producerEpoch: epoch, commit: commit, partitions: members)
            }
            try await transactions.load()
            self.transactions = transactions
            transactionService = TransactionCoordinatorService(coordinator: transactions)
            let shareGroups = ShareGroupCoordinator(
                settings: ShareGroupSettings(configuration: configuration), logger: logger,
                resolveTopic: { name in
                    catalog.topic(name).map {
                        ShareTopicAssignment(
                            topicId: $0.topicId, topicName: name, partitions: Array(0..<Int32($0.logs.count)))
                    }
                },
                isClassicGroup: { groups.group($0).map { $0.phase != .dead } ?? false },
                // A member that left or expired gives back what it held.
                memberRemoved: { group, member in shares.memberLeft(group: group, member: member) })
            shareGroups.restore(groupIds: shares.groupIds())
            groupService = GroupCoordinatorService(coordinator: groups, shareGroups: shareGroups)
            let listeners = try configuration.resolvedListeners()
            let cluster = ClusterIdentity(
                clusterId: try Self.clusterId(dataDirectory: configuration.dataDirectory), listeners: listeners)
            let sasl = listeners.contains(where: \.securityProtocol.usesSASL)
                ? SaslAuthenticator(
                    mechanisms: configuration.enabledSaslMechanisms, verifier: StoredCredentials(store: metadataStore),
                    reauthenticationMs: configuration.connectionsMaxReauthMs)
                : nil
            let authorizer = try await Self.authorizer(configuration: configuration, store: metadataStore)
            let registry = APIRegistry.broker(
                partitions: partitions, configuration: configuration, groups: groups, shareGroups: shareGroups,
                shares: shares, transactions: transactions, cluster: cluster, sasl: sasl, authorizer: authorizer,
                scramCredentials: metadataStore, logger: logger)
            server = try KafkaServer(
                configuration: configuration, dispatcher: .broker(
                    registry: registry, logger: logger,
                    refusalLinesPerSecond: configuration.refusalLogLinesPerSecond, sasl: sasl, authorizer: authorizer),
                cluster: cluster, logger: logger)
            try await server.bind()
        } catch {
            try? await logManager.shutdown()
            throw error
        }
    }

    /// The services to run, in start order. Shutdown runs in reverse: the coordinator answers the JoinGroup
    /// and SyncGroup requests still waiting first, so the listener's connections can close; the cleaner stops
    /// its round before the logs close.
    public var services: [any Service] { [logManager, cleaner, server, groupService, shares, transactionService] }

    /// Applies new log defaults (`log.retention.ms`, `log.retention.bytes`, `log.segment.bytes`, ...) while the broker
    /// runs, to every topic that does not override them: what SIGHUP reloads.
    /// - Returns: how many topics were updated.
    /// - Throws: `BrokerError` when the defaults are invalid under some topic's overrides; nothing changes then.
    @discardableResult
    public func reloadLogDefaults(_ defaults: LogConfig) throws -> Int {
        try partitions.catalog.reloadLogDefaults(defaults)
    }

    /// The partitions taken offline by a disk error, with the reason: what makes `/health/ready` fail.
    public var offlinePartitions: [(partition: String, reason: String)] {
        logManager.allLogs.compactMap { log in log.offline.map { ("\(log.topicPartition)", $0) } }
    }

    /// The port the first Kafka listener is bound to.
    public var listenerPort: Int? { server.localPort }

    /// The port each Kafka listener is bound to, by listener name.
    public var listenerPorts: [String: Int] { server.listenerPorts }

    /// The first PLAINTEXT listener, bound (its real port): where the admin listener's own Kafka client
    /// connects. Nil when every listener needs TLS or SASL.
    public var plaintextListener: ListenAddress? {
        let ports = server.listenerPorts
        return server.listeners.first { $0.securityProtocol == .plaintext }.flatMap { listener in
            ports[listener.name].map { ListenAddress(host: listener.address.host, port: $0) }
        }
    }

    /// Whether the admin HTTP listener must ask for a user: when a Kafka listener uses SASL, the same users guard
    /// it (besides `admin.users`).
    public var adminRequiresUsers: Bool { server.listeners.contains(where: \.securityProtocol.usesSASL) }

    /// Whether `name` and `password` are a SCRAM user's, and that user may administer the whole broker: with an
    /// authorizer, only `super.users` may (the admin API does not go through ACLs per resource).
    public func verifyAdminUser(name: String, password: String) async -> Bool {
        let principal = KafkaPrincipal(name: name)
        if let authorizer = server.dispatcher.authorizer, !authorizer.isSuperUser(principal) { return false }
        return await StoredCredentials(store: metadataStore).verify(user: name, password: password)
    }

    /// Reads the TLS listeners' certificate and key files again, with `settings` (SIGHUP): new connections use
    /// them, open ones keep theirs. Does nothing when no listener uses TLS.
    /// - Throws: `ConfigurationError` when the files cannot be used; the running certificate stays.
    public func reloadCertificates(_ settings: TLSSettings) throws(ConfigurationError) {
        try server.tls?.reload(settings)
    }

    /// Spool's authorizer with the stored ACLs loaded, when `authorizer.class.name` names one; nil otherwise.
    private static func authorizer(configuration: BrokerConfiguration, store: SQLiteMetadataStore) async throws
        -> Authorizer?
    {
        guard !configuration.authorizerClassName.isEmpty else { return nil }
        let authorizer = Authorizer(
            store: store, superUsers: Authorizer.superUsers(configuration.superUsers),
            allowEveryoneIfNoAclFound: configuration.allowEveryoneIfNoAclFound)
        try await authorizer.load()
        return authorizer
    }

    /// A cluster id made once per data directory (`cluster.id`), as Kafka's meta.properties keeps one.
    private static func clusterId(dataDirectory: String) throws -> String {
        let path = dataDirectory + "/cluster.id"
        if let existing = try? String(contentsOfFile: path, encoding: .utf8), !existing.isEmpty {
            return existing.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let id = "spool-" + UUID().uuidString.lowercased()
        try id.write(toFile: path, atomically: true, encoding: .utf8)
        return id
    }
}
