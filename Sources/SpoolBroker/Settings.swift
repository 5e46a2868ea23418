import SpoolLog

/// One configuration key: its name, what it means, and how to read and print it.
struct Setting: Sendable {
    let key: String
    let help: String
    let apply: @Sendable (String, inout BrokerConfiguration) throws(ConfigurationError) -> Void
    let current: @Sendable (BrokerConfiguration) -> String

    /// The environment variable that sets this key: `SPOOL_` + the key in capitals, dots as underscores.
    var environmentName: String {
        "SPOOL_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}

/// Every key the broker understands, in the order `--print-config` and `config/spool.yaml` list them.
enum Settings {
    static let all: [Setting] = [
        string("data.dir", "Directory for partition logs, checkpoints and the lock file.", \.dataDirectory),
        address("listen", "Kafka listener address, HOST:PORT.", example: "127.0.0.1:9092 or [::1]:9092", \.listen),
        Setting(
            key: "advertised.listen", help: "Address given to clients in Metadata, HOST:PORT; empty for the listener's.",
            apply: { (value, configuration) throws(ConfigurationError) in
                if value.isEmpty {
                    configuration.advertisedListen = nil
                    return
                }
                guard let address = ListenAddress(parsing: value), address.port > 0 else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for advertised.listen: expected HOST:PORT with a port from 1 to 65535")
                }
                configuration.advertisedListen = address
            },
            current: { $0.advertisedListen?.description ?? "" }),
    ] + security + [
        flag("admin.enabled", "Run the admin HTTP listener: health, /metrics, JSON API, web console.",
             \.adminEnabled),
        address("admin.listen", "Admin HTTP listener address, HOST:PORT; off loopback it requires admin.users.",
                example: "127.0.0.1:9644", \.adminListen),
        integer("admin.max.connections", "Connections the admin listener serves at once; it stops accepting beyond.",
                1...100_000, \.adminMaximumConnections),
        integer("admin.connections.max.idle.ms", "Close an admin connection with no request for this long, in ms.",
                1...Int64(Int32.max), \.adminConnectionsMaxIdleMs),
        Setting(
            key: "admin.users",
            help: "Admin listener users, comma-separated NAME:sha256:SALT:HASH (spool admin passwd NAME prints one).",
            apply: { (value, configuration) throws(ConfigurationError) in
                for entry in value.split(separator: ",") {
                    let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
                    guard parts.count == 4, !parts[0].isEmpty, parts[1] == "sha256", !parts[2].isEmpty,
                          parts[3].count == 64
                    else {
                        throw ConfigurationError(
                            "invalid entry '\(entry.prefix(40))' in admin.users: expected NAME:sha256:SALT:HASH, "
                                + "as `spool admin passwd NAME` prints")
                    }
                }
                configuration.adminUsers = value
            },
            current: { $0.adminUsers }),
        flag("auto.create.topics.enable", "Create a topic when a client first produces to or asks for it.",
             \.autoCreateTopics),
        integer("num.partitions", "Partitions of an automatically created topic.", 1...100_000, \.defaultPartitions),
        integer("socket.request.max.bytes", "Largest request frame accepted, in bytes.",
                1024...Int(Int32.max), \.maximumRequestBytes),
        integer("max.in.flight.requests.per.connection",
                "Requests read from one connection before its replies are written.", 1...10_000,
                \.maximumInFlightPerConnection),
        integer("max.connections", "Connections accepted at once; more are closed on accept.", 1...1_000_000,
                \.maximumConnections),
        integer("connections.max.idle.ms", "Close a connection with no request for this long, in milliseconds.",
                1...Int64.max, \.connectionsMaxIdleMs),
        integer("request.receive.timeout.ms",
                "Close a connection whose request frame does not arrive whole this long after its first byte.",
                1...Int64.max, \.requestReceiveTimeoutMs),
        integer("queued.max.request.bytes",
                "Request bytes held broker-wide (received, waiting, being handled); reading pauses beyond it.",
                1024...Int.max, \.queuedMaxRequestBytes),
        integer("queued.max.request.bytes.per.connection",
                "Request bytes one connection may hold; its reading pauses beyond it.", 1024...Int.max,
                \.queuedMaxRequestBytesPerConnection),
        integer("socket.send.buffer.high.bytes",
                "Unsent reply bytes in memory (sendfile data excluded) above which a connection stops reading.",
                1024...Int(Int32.max), \.socketSendBufferHighBytes),
        integer("fetch.max.bytes",
                "The most bytes one share fetch reads into memory, whatever the request asks (Kafka's 55 MiB).",
                1024...Int32.max, \.fetchMaximumBytes),
        integer("group.share.fetch.memory.bytes",
                "Bytes all share fetches together read into memory; past it each reads one batch at most.",
                0...Int64(Int32.max), \.shareFetchMemoryBytes),
        integer("fetch.max.wait.ms", "Longest a fetch waits for data, in milliseconds; longer waits are cut.",
                0...Int32.max, \.fetchMaxWaitMs),
    ] + TopicConfigs.brokerSettings + [
        integer("log.retention.check.interval.ms", "How often retention looks for segments to delete.",
                  1...Int64.max, \.retentionCheckIntervalMs),
        integer("log.flush.interval.ms", "How often every log is fsynced and the recovery checkpoint written.",
                  1...Int64.max, \.flushIntervalMs),
        integer("log.preallocate.max.bytes",
                "Most disk reserved ahead of active segments' data, over all partitions; 0 turns reserving off.",
                0...Int.max, \.preallocateMaxBytes),
    ] + cleanerSettings + [
        integer("message.max.decompressed.bytes",
                "Largest records section a produced compressed batch may decompress to when it is checked.",
                1024...Int(Int32.max), \.maximumDecompressedBatchBytes),
        integer("num.io.threads", "Threads for blocking file I/O.", 1...256, \.ioThreads),
        integer("log.flush.syncfs.min.partitions",
                "Group-commit rounds (acks=all) of at least this many partitions are made durable with one syncfs of "
                    + "the data directory's file system instead of an fdatasync each; 0 never uses syncfs. A syncfs "
                    + "also writes back every other dirty file there: give the data directory its own file system.",
                0...1_000_000, \.syncfsMinimumPartitions),
        integer("max.partitions",
                "Partitions the broker holds at most, over every topic; 0 for the open-file limit (at most 100000).",
                0...1_000_000, \.maximumPartitions),
        integer("max.partitions.per.request", "Partitions one CreateTopics or CreatePartitions request may create.",
                1...1_000_000, \.maximumPartitionsPerRequest),
        integer("log.max.open.files",
                "Segment and index files kept open at once; 0 for half the open-file limit less 256.",
                0...10_000_000, \.maximumOpenLogFiles),
        integer("metrics.partition.series.max",
                "Series each per-partition /metrics family emits at most; past it, per-topic totals only.",
                0...10_000_000, \.metricsPartitionSeriesMaximum),
        integer("group.initial.rebalance.delay.ms",
                "How long a new consumer group waits for more members before its first rebalance completes.",
                0...Int64(Int32.max), \.groupInitialRebalanceDelayMs),
        integer("group.min.session.timeout.ms", "The shortest session timeout a group member may ask for.",
                1...Int32.max, \.groupMinSessionTimeoutMs),
        integer("group.max.session.timeout.ms", "The longest session timeout a group member may ask for.",
                1...Int32.max, \.groupMaxSessionTimeoutMs),
        integer("offsets.retention.minutes", "Committed offsets of an empty group expire after this, in minutes.",
                1...Int64(Int32.max), \.offsetsRetentionMinutes),
        integer("transaction.max.timeout.ms", "The longest transaction timeout a producer may ask for.",
                1...Int32.max, \.transactionMaxTimeoutMs),
        integer("transactional.id.expiration.ms", "A transactional id unused this long is forgotten.",
                1...Int64(Int32.max), \.transactionalIdExpirationMs),
        integer("transactional.id.max", "Transactional ids kept at most; a new one past it waits for one to expire.",
                1...10_000_000, \.transactionalIdMaximum),
        integer("transaction.abort.timed.out.transaction.cleanup.interval.ms",
                "How often open transactions are checked for their timeout.",
                1...Int64(Int32.max), \.transactionCleanupIntervalMs),
        integer("group.share.session.timeout.ms",
                "A share group member that does not heartbeat for this long is removed and its records released.",
                1...Int32.max, \.groupShareSessionTimeoutMs),
        integer("group.share.heartbeat.interval.ms", "How often share group members are told to heartbeat.",
                1...Int32.max, \.groupShareHeartbeatIntervalMs),
        integer("group.share.max.size", "Members one share group may hold.", 1...1_000_000,
                \.groupShareMaximumSize),
        integer("group.share.max.groups", "Share groups the broker holds at most.", 1...1_000_000,
                \.groupShareMaximumGroups),
        integer("group.share.record.lock.duration.ms",
                "How long a share-group member holds acquired records before they are delivered again, in ms.",
                1000...3_600_000, \.shareRecordLockDurationMs),
        integer("group.share.delivery.count.limit",
                "Deliveries of a share-group record after which a release or lock expiry archives it.",
                2...100, \.shareDeliveryCountLimit),
        integer("group.share.partition.max.record.locks",
                "Records in flight per share-partition; past it only redeliveries are acquired.",
                100...1_000_000, \.sharePartitionMaxRecordLocks),
        choice("group.share.auto.offset.reset",
               "Where a share group starts on a partition it has no state for: latest or earliest.",
               ["latest", "earliest"], \.shareAutoOffsetReset),
        string("errors.deadletterqueue.topic.name.prefix",
               "Prefix every share group's dead-letter topic (errors.deadletterqueue.topic.name) must start with.",
               \.deadLetterTopicPrefix),
        integer("group.share.max.share.sessions",
                "Share sessions the broker holds; a new one past it gets SHARE_SESSION_LIMIT_REACHED.",
                1...1_000_000, \.shareMaxSessions),
        Setting(
            key: "authorizer.class.name",
            help: "Authorizer: empty for none (all allowed); StandardAuthorizer, AclAuthorizer or spool for ACLs.",
            apply: { (value, configuration) throws(ConfigurationError) in
                guard value.isEmpty || Authorizer.classNames.contains(value) else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for authorizer.class.name: expected empty or one of "
                            + Authorizer.classNames.sorted().joined(separator: ", "))
                }
                configuration.authorizerClassName = value
            },
            current: { $0.authorizerClassName }),
        Setting(
            key: "super.users", help: "Principals allowed everything by the authorizer, User:NAME separated by ';'.",
            apply: { (value, configuration) throws(ConfigurationError) in
                for principal in Authorizer.superUsers(value) where KafkaPrincipal(parsing: principal) == nil {
                    throw ConfigurationError(
                        "invalid principal '\(principal)' in super.users: expected Type:Name, as User:admin")
                }
                configuration.superUsers = value
            },
            current: { $0.superUsers }),
        flag("allow.everyone.if.no.acl.found", "Allow every principal on a resource that no ACL covers.",
             \.allowEveryoneIfNoAclFound),
        integer("log.refusals.per.second",
                "Log lines a second, broker-wide, about refused requests and connections closed for bad bytes.",
                0...1_000_000, \.refusalLogLinesPerSecond),
        choice("log.format", "How log lines are written: text (people) or json (one object a line, for shippers).",
               ["text", "json"], \.logFormat),
        Setting(
            key: "log.level", help: "Least severe log level printed: trace, debug, info, notice, warning, error, critical.",
            apply: { (value, configuration) throws(ConfigurationError) in
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                guard levels.contains(value) else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for log.level: allowed \(levels.joined(separator: ", "))")
                }
                configuration.logLevel = value
            },
            current: { $0.logLevel }),
    ]

    static let byKey: [String: Setting] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// The log cleaner's own settings (Kafka's `log.cleaner.*` broker configs, with Kafka's defaults); the
    /// compaction settings a topic may override (`log.cleaner.delete.retention.ms`, ...) are among the topic
    /// configs' synonyms.
    private static let cleanerSettings: [Setting] = [
        flag("log.cleaner.enable", "Run the log cleaner, which compacts topics whose cleanup.policy has compact.",
             \.cleaner.enabled),
        integer("log.cleaner.dedupe.buffer.size",
                "Memory for the cleaner's offset map (24 bytes a key), allocated at its first cleaning, in bytes.",
                LogCleanerConfiguration.minimumDedupeBufferBytes...Int.max, \.cleaner.dedupeBufferBytes),
        integer("log.cleaner.io.buffer.size", "Bytes the cleaner reads from a segment at a time.",
                (64 * 1024)...Int(Int32.max), \.cleaner.ioBufferBytes),
        Setting(
            key: "log.cleaner.io.max.bytes.per.second",
            help: "Bytes a second the cleaner reads and writes at most; Kafka's default, 1.7976931348623157E308, "
                + "is unlimited.",
            apply: { (value, configuration) throws(ConfigurationError) in
                guard let rate = Double(value), rate > 0, !rate.isNaN else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for log.cleaner.io.max.bytes.per.second: expected a number above 0 "
                            + "(bytes a second), or 1.7976931348623157E308 for no limit")
                }
                // Kafka's default is Double.MaxValue, which means no limit; so does anything as large.
                configuration.cleaner.ioMaxBytesPerSecond = rate >= .greatestFiniteMagnitude ? .infinity : rate
            },
            current: { $0.cleaner.ioMaxBytesPerSecond.isFinite
                ? String($0.cleaner.ioMaxBytesPerSecond) : unlimitedBytesPerSecond }),
        integer("log.cleaner.backoff.ms", "How long the cleaner sleeps when no log needs cleaning, in milliseconds.",
                1...Int64.max, \.cleaner.backoffMs),
    ]

    /// Kafka's spelling of Double.MaxValue, its `log.cleaner.io.max.bytes.per.second` default (no limit).
    private static let unlimitedBytesPerSecond = "1.7976931348623157E308"

    /// A text setting; empty only when `allowsEmpty`, and checked by `check`.
    static func string(
        _ key: String, _ help: String, _ path: WritableKeyPath<BrokerConfiguration, String> & Sendable,
        allowsEmpty: Bool = false, check: @escaping @Sendable (String) throws(ConfigurationError) -> Void = { _ in }
    ) -> Setting {
        Setting(
            key: key, help: help,
            apply: { (value, configuration) throws(ConfigurationError) in
                guard allowsEmpty || !value.isEmpty else {
                    throw ConfigurationError("invalid value '' for \(key): must not be empty")
                }
                try check(value)
                configuration[keyPath: path] = value
            },
            current: { $0[keyPath: path] })
    }

    private static func flag(_ key: String, _ help: String,
                             _ path: WritableKeyPath<BrokerConfiguration, Bool> & Sendable) -> Setting
    {
        Setting(
            key: key, help: help,
            apply: { (value, configuration) throws(ConfigurationError) in
                guard let flag = Bool(value) else {
                    throw ConfigurationError("invalid value '\(value)' for \(key): allowed true or false")
                }
                configuration[keyPath: path] = flag
            },
            current: { String($0[keyPath: path]) })
    }

    /// A `HOST:PORT` listener address; port 0 asks the system for a free one.
    private static func address(_ key: String, _ help: String, example: String,
                                _ path: WritableKeyPath<BrokerConfiguration, ListenAddress> & Sendable) -> Setting
    {
        Setting(
            key: key, help: help,
            apply: { (value, configuration) throws(ConfigurationError) in
                guard let address = ListenAddress(parsing: value) else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for \(key): expected HOST:PORT with a port from 0 to 65535, "
                            + "e.g. \(example)")
                }
                configuration[keyPath: path] = address
            },
            current: { $0[keyPath: path].description })
    }

    static func choice(_ key: String, _ help: String, _ allowed: [String],
                               _ path: WritableKeyPath<BrokerConfiguration, String> & Sendable) -> Setting
    {
        Setting(
            key: key, help: help,
            apply: { (value, configuration) throws(ConfigurationError) in
                guard allowed.contains(value) else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for \(key): expected one of \(allowed.joined(separator: ", "))")
                }
                configuration[keyPath: path] = value
            },
            current: { $0[keyPath: path] })
    }

    static func integer<Number: FixedWidthInteger & Sendable>(
        _ key: String, _ help: String, _ range: ClosedRange<Number>,
        _ path: WritableKeyPath<BrokerConfiguration, Number> & Sendable
    ) -> Setting {
        Setting(
            key: key, help: help,
            apply: { (value, configuration) throws(ConfigurationError) in
                guard let number = Number(value), range.contains(number) else {
                    throw ConfigurationError(
                        "invalid value '\(value)' for \(key): expected an integer from \(range.lowerBound) to "
                            + "\(range.upperBound)")
                }
                configuration[keyPath: path] = number
            },
            current: { String($0[keyPath: path]) })
    }
}
