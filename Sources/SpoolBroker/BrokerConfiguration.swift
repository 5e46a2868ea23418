import SpoolLog

/// The broker's effective settings, after flags, environment, file and defaults were merged.
/// A plain value: thread-safe to copy.
public struct BrokerConfiguration: Sendable, Equatable {
    /// Where partitions, checkpoints and the lock live (`data.dir`).
    public var dataDirectory = "./data"
    /// The Kafka listener's address (`listen`).
    public var listen = ListenAddress(host: "127.0.0.1", port: 9092)
    /// Defaults for every partition log (`log.*`, `message.max.bytes`).
    public var logDefaults = LogConfig()
    /// How often every log is synced and the recovery checkpoint written (`log.flush.interval.ms`).
    public var flushIntervalMs: Int64 = 1000
    /// How often retention runs (`log.retention.check.interval.ms`).
    public var retentionCheckIntervalMs: Int64 = 300_000
    /// The log cleaner's settings (`log.cleaner.enable`, `log.cleaner.dedupe.buffer.size`,
    /// `log.cleaner.io.buffer.size`, `log.cleaner.io.max.bytes.per.second`, `log.cleaner.backoff.ms`). Its offset
    /// map, `log.cleaner.dedupe.buffer.size`, counts in the broker's memory bound (README.md, "Memory bound").
    public var cleaner = LogCleanerConfiguration()
    /// Threads for blocking file I/O (`num.io.threads`).
    public var ioThreads = 4
    /// Group-commit rounds of at least this many partitions are made durable with one syncfs
    /// (`log.flush.syncfs.min.partitions`); 0 fdatasyncs each partition.
    public var syncfsMinimumPartitions = 4
    /// The most disk reserved ahead of active segments' data over all partitions (`log.preallocate.max.bytes`).
    public var preallocateMaxBytes = DiskReservations.defaultMaxBytes
    /// The least severe log level printed (`log.level`).
    public var logLevel = "info"
    /// How log lines are written (`log.format`): `text`, or `json` for log shippers (one object a line).
    public var logFormat = "text"
    /// Whether the admin HTTP listener (health, `/metrics`, the JSON API and the web console) runs
    /// (`admin.enabled`).
    public var adminEnabled = true
    /// The admin HTTP listener's address (`admin.listen`; Redpanda's admin port, 9644, on loopback).
    public var adminListen = ListenAddress(host: "127.0.0.1", port: 9644)
    /// Connections the admin listener serves at once (`admin.max.connections`); it stops accepting beyond.
    public var adminMaximumConnections = 16
    /// An admin connection with no request for this long is closed (`admin.connections.max.idle.ms`).
    public var adminConnectionsMaxIdleMs: Int64 = 60_000
    /// Who may use the admin listener (`admin.users`): comma-separated `NAME:sha256:SALT:HASH` entries that
    /// `spool admin passwd NAME` prints. Empty: no credentials, allowed only on a loopback address.
    public var adminUsers = ""
    /// The address clients are told to connect to (`advertised.listen`); nil means the listener's.
    public var advertisedListen: ListenAddress?
    /// Named listeners, `NAME://HOST:PORT,…` (`listeners`); empty: one PLAINTEXT listener on `listen`.
    public var listeners = ""
    /// The addresses clients are told per listener, `NAME://HOST:PORT,…` (`advertised.listeners`).
    public var advertisedListeners = ""
    /// Each listener name's security protocol, `NAME:PROTOCOL,…` (`listener.security.protocol.map`).
    public var listenerSecurityProtocolMap = BrokerConfiguration.defaultSecurityProtocolMap
    /// The SASL mechanisms SASL listeners offer (`sasl.enabled.mechanisms`).
    public var saslEnabledMechanisms = "SCRAM-SHA-256,SCRAM-SHA-512"
    /// How long a SASL authentication holds before the client must authenticate again on the same connection
    /// (`connections.max.reauth.ms`, KIP-368); 0: for the connection's life.
    public var connectionsMaxReauthMs: Int64 = 0
    /// The TLS listeners' certificate, key and client-certificate settings (`ssl.*`).
    public var ssl = TLSSettings()
    /// Create a topic when a client first names it (`auto.create.topics.enable`).
    public var autoCreateTopics = true
    /// Partitions of an automatically created topic (`num.partitions`).
    public var defaultPartitions: Int32 = 1
    /// The largest records section a produced compressed batch may decompress to while it is checked
    /// (`message.max.decompressed.bytes`). Produce refuses a batch past it with MESSAGE_TOO_LARGE. The checks run
    /// on the cooperative thread pool without suspending, so at most one such buffer per core exists at a time.
    public var maximumDecompressedBatchBytes = 32 * 1024 * 1024
    /// The largest request frame accepted (`socket.request.max.bytes`, Kafka's 100 MiB).
    public var maximumRequestBytes = 100 * 1024 * 1024
    /// Requests read from one connection before its replies are written (`max.in.flight.requests.per.connection`).
    public var maximumInFlightPerConnection = 64
    /// Connections accepted at once (`max.connections`); more are closed on accept. Each may make the broker
    /// hold about 0.64 MiB besides its requests (README.md, "Memory bound").
    public var maximumConnections = 1000
    /// A connection with no request for this long is closed (`connections.max.idle.ms`, Kafka's 10 minutes);
    /// bytes of an unfinished frame are not activity.
    public var connectionsMaxIdleMs: Int64 = 600_000
    /// Request bytes held broker-wide (`queued.max.request.bytes`): frames being received, waiting and being
    /// handled, each counted at its announced size from its size prefix on.
    public var queuedMaxRequestBytes = 256 * 1024 * 1024
    /// Request bytes one connection may hold (`queued.max.request.bytes.per.connection`); a single frame may
    /// exceed it.
    public var queuedMaxRequestBytesPerConnection = 100 * 1024 * 1024
    /// Unsent reply bytes held in memory above which a connection stops reading (`socket.send.buffer.high.bytes`);
    /// it reads again once they are under it. Fetch data sent with sendfile does not count.
    public var socketSendBufferHighBytes = 256 * 1024
    /// A request frame must arrive whole within this of its first byte (`request.receive.timeout.ms`).
    public var requestReceiveTimeoutMs: Int64 = 30_000
    /// The most bytes one share fetch reads into memory (`fetch.max.bytes`, Kafka's 55 MiB): ShareFetch copies
    /// records into its response, so a request's MaxBytes is cut to this.
    public var fetchMaximumBytes: Int32 = 57_671_680
    /// Bytes all share fetches together hold in memory (`group.share.fetch.memory.bytes`, 64 MiB); a share fetch
    /// that finds it spent reads one batch (so every member still progresses).
    public var shareFetchMemoryBytes: Int64 = 64 * 1024 * 1024
    /// The longest a fetch may wait for data (`fetch.max.wait.ms`); longer client waits are cut to it.
    public var fetchMaxWaitMs: Int32 = 30_000
    /// Log lines a second about refused requests and connections closed for bad bytes, over the whole broker
    /// (`log.refusals.per.second`); the rest are counted into the next line.
    public var refusalLogLinesPerSecond = 10
    /// How long a new group waits for more members before its first rebalance completes
    /// (`group.initial.rebalance.delay.ms`).
    public var groupInitialRebalanceDelayMs: Int64 = 3000
    /// The shortest session timeout a JoinGroup may ask for (`group.min.session.timeout.ms`).
    public var groupMinSessionTimeoutMs: Int32 = 6000
    /// The longest session timeout a JoinGroup may ask for (`group.max.session.timeout.ms`).
    public var groupMaxSessionTimeoutMs: Int32 = 1_800_000
    /// Committed offsets of an empty group expire after this (`offsets.retention.minutes`, 7 days).
    public var offsetsRetentionMinutes: Int64 = 10080
    /// The longest transaction timeout a transactional producer may ask for (`transaction.max.timeout.ms`,
    /// Kafka's 15 minutes); more gets INVALID_TRANSACTION_TIMEOUT.
    public var transactionMaxTimeoutMs: Int32 = 900_000
    /// A transactional id unused this long is forgotten (`transactional.id.expiration.ms`, 7 days).
    public var transactionalIdExpirationMs: Int64 = 604_800_000
    /// Transactional ids kept at most (`transactional.id.max`); a new one past it is refused until one expires.
    public var transactionalIdMaximum = 100_000
    /// How often open transactions are checked for their timeout
    /// (`transaction.abort.timed.out.transaction.cleanup.interval.ms`, Kafka's 10 s).
    public var transactionCleanupIntervalMs: Int64 = 10_000
    /// A share group member that does not heartbeat for this long is removed, and the records it holds are
    /// released (`group.share.session.timeout.ms`, Kafka's 45 s).
    public var groupShareSessionTimeoutMs: Int32 = 45_000
    /// How often share group members are told to heartbeat (`group.share.heartbeat.interval.ms`, Kafka's 5 s).
    public var groupShareHeartbeatIntervalMs: Int32 = 5000
    /// Members one share group may hold (`group.share.max.size`, Kafka's 200); more get GROUP_MAX_SIZE_REACHED.
    public var groupShareMaximumSize = 200
    /// Share groups the broker holds (`group.share.max.groups`; Kafka's default is 10, Spool's 1000); a join
    /// that would create more gets GROUP_MAX_SIZE_REACHED.
    public var groupShareMaximumGroups = 1000
    /// How long a share-group member holds the records it acquired before they become available again, in
    /// milliseconds (`group.share.record.lock.duration.ms`, Kafka's 30 s); a group's
    /// `share.record.lock.duration.ms` overrides it.
    public var shareRecordLockDurationMs: Int64 = 30_000
    /// A share-group record delivered this many times is archived (and dead-lettered) when it is released or
    /// its lock expires (`group.share.delivery.count.limit`, Kafka's 5).
    public var shareDeliveryCountLimit: Int16 = 5
    /// The most records in flight per share-partition, from its start offset to the end of what was acquired
    /// (`group.share.partition.max.record.locks`). Kafka's default, 2000: four consumers fetching 500 records
    /// each fill it, and a larger window only delays redelivery of a stuck record behind it.
    public var sharePartitionMaxRecordLocks = 2000
    /// The most share sessions the broker holds (`group.share.max.share.sessions`, Kafka's 2000); a new
    /// session past it gets SHARE_SESSION_LIMIT_REACHED.
    public var shareMaxSessions = 2000
    /// Where a share group starts reading a partition it has no state for (`group.share.auto.offset.reset`):
    /// `latest` (Kafka's default for `share.auto.offset.reset`) or `earliest`; a group's own config overrides it.
    public var shareAutoOffsetReset = "latest"
    /// The prefix a share group's dead-letter topic must have (KIP-1191's
    /// `errors.deadletterqueue.topic.name.prefix`), so that a group cannot write into an ordinary topic.
    public var deadLetterTopicPrefix = "dlq."
    /// The share-partition limits these settings give before any group config overrides them.
    public var sharePartitionPolicy: SharePartitionPolicy {
        SharePartitionPolicy(
            deliveryCountLimit: shareDeliveryCountLimit, maximumRecordLocks: sharePartitionMaxRecordLocks)
    }
    /// The most partitions the broker holds over every topic (`max.partitions`); 0 derives it from the open-file
    /// limit (see `OpenFileLimit.derivedMaximumPartitions`).
    public var maximumPartitions = 0
    /// The most partitions one CreateTopics or CreatePartitions request may create (`max.partitions.per.request`).
    public var maximumPartitionsPerRequest = 10_000
    /// Series each per-partition `/metrics` family (offsets, size, lag, share counts) emits at most
    /// (`metrics.partition.series.max`); past it the family is left out and per-topic totals stand for it.
    public var metricsPartitionSeriesMaximum = 50_000
    /// Segment and index files kept open at once (`log.max.open.files`); 0 derives it from the open-file limit.
    public var maximumOpenLogFiles = 0

    /// The authorizer (`authorizer.class.name`): empty for none (every request allowed, as before ACLs); Kafka's
    /// `org.apache.kafka.metadata.authorizer.StandardAuthorizer`, `kafka.security.authorizer.AclAuthorizer` or
    /// `spool` turn on Spool's ACL authorizer.
    public var authorizerClassName = ""
    /// Principals allowed everything when an authorizer is on (`super.users`, `User:a;User:b` as Kafka writes it).
    public var superUsers = ""
    /// Whether a resource no ACL covers is open to every principal (`allow.everyone.if.no.acl.found`).
    public var allowEveryoneIfNoAclFound = false

    /// The built-in defaults: data in `./data`, listener on 127.0.0.1:9092, Kafka's log defaults.
    public init() {}

    /// The log manager's settings derived from these.
    public var logManagerConfiguration: LogManagerConfiguration {
        var configuration = LogManagerConfiguration(dataDirectory: dataDirectory)
        configuration.defaultLogConfig = logDefaults
        configuration.flushIntervalMs = flushIntervalMs
        configuration.retentionCheckIntervalMs = retentionCheckIntervalMs
        configuration.cleaner = cleaner
        configuration.ioThreads = ioThreads
        configuration.syncfsMinimumPartitions = syncfsMinimumPartitions
        configuration.maximumOpenFiles = maximumOpenLogFiles
        configuration.preallocateMaxBytes = preallocateMaxBytes
        return configuration
    }
}

/// A `HOST:PORT` listener address (`[::1]:9092` for IPv6).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port; 0 asks the system for a free one.
    public var port: Int

    /// - Parameters:
    ///   - host: host name or IP address.
    ///   - port: TCP port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPv6]:PORT`; nil when it is neither.
    /// - Parameter text: the address.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
