import NIOConcurrencyHelpers

/// Where a share group starts reading a partition it has no state for (`share.auto.offset.reset`).
enum ShareAutoOffsetReset: Sendable, Equatable {
    /// The log end: only records produced from now on (Kafka's default).
    case latest
    /// The log start: everything still in the log.
    case earliest
    /// The first record at or after now minus this many milliseconds (Kafka's `by_duration:<ISO-8601>`).
    case byDuration(ms: Int64)
}

/// One share group's configs: Kafka's GROUP-resource configs for share groups (`share.auto.offset.reset`,
/// `share.record.lock.duration.ms`, `share.isolation.level`, the delivery limit) and what Spool adds (a dead-letter
/// topic, KIP-1191's `errors.deadletterqueue.topic.name`, and a redelivery backoff). A value type.
struct ShareGroupConfig: Sendable, Equatable {
    var autoOffsetReset: ShareAutoOffsetReset
    var recordLockDurationMs: Int64
    var deliveryCountLimit: Int16
    /// Whether only committed records are delivered (`read_committed`); without transactions both levels read the
    /// same records.
    var readCommitted = false
    /// Where rejected records and records at the delivery limit are appended before they are archived; nil: none.
    var deadLetterTopic: String?
    var redeliveryBackoff: RedeliveryBackoff = .none

    /// The broker's settings, before a group overrides them.
    init(configuration: BrokerConfiguration) {
        autoOffsetReset = configuration.shareAutoOffsetReset == "earliest" ? .earliest : .latest
        recordLockDurationMs = configuration.shareRecordLockDurationMs
        deliveryCountLimit = configuration.shareDeliveryCountLimit
    }

    /// The share-partition limits for this group.
    func policy(maximumRecordLocks: Int) -> SharePartitionPolicy {
        var policy = SharePartitionPolicy(
            deliveryCountLimit: deliveryCountLimit, maximumRecordLocks: maximumRecordLocks,
            redeliveryBackoff: redeliveryBackoff)
        policy.holdsDeadLetters = deadLetterTopic != nil
        return policy
    }
}

/// Every share group's configs: the broker's defaults, and each group's own overrides (GROUP-resource configs, set
/// by IncrementalAlterConfigs and AlterConfigs, persisted by the share-partition manager).
///
/// Thread-safe: a lock guards the maps.
final class ShareGroupConfigs: Sendable {
    let defaults: ShareGroupConfig
    /// `errors.deadletterqueue.topic.name.prefix`: what a dead-letter topic's name must start with.
    let deadLetterPrefix: String
    private struct Group {
        var overrides: [String: String]
        var config: ShareGroupConfig
    }
    private let groups = NIOLockedValueBox<[String: Group]>([:])

    init(defaults: ShareGroupConfig, deadLetterPrefix: String = "dlq.") {
        self.defaults = defaults
        self.deadLetterPrefix = deadLetterPrefix
    }

    /// The group's configs, or the defaults when it set none.
    func config(for group: String) -> ShareGroupConfig {
        groups.withLockedValue { $0[group]?.config } ?? defaults
    }

    /// The group's overrides by key (empty when it set none).
    func overrides(for group: String) -> [String: String] {
        groups.withLockedValue { $0[group]?.overrides } ?? [:]
    }

    /// The config these overrides give.
    /// - Throws: INVALID_CONFIG for an unknown key or a bad value.
    func validate(_ overrides: [String: String]) throws(BrokerError) -> ShareGroupConfig {
        try ShareGroupConfigKeys.apply(overrides, to: defaults, deadLetterPrefix: deadLetterPrefix)
    }

    /// Replaces the group's overrides (empty: back to the defaults).
    /// - Throws: INVALID_CONFIG, and then nothing changed.
    func set(_ overrides: [String: String], for group: String) throws(BrokerError) {
        let config = try validate(overrides)
        groups.withLockedValue { $0[group] = overrides.isEmpty ? nil : Group(overrides: overrides, config: config) }
    }

    /// Replaces the group's configs (nil: back to the defaults), without overrides to show: for tests.
    func set(_ config: ShareGroupConfig?, for group: String) {
        groups.withLockedValue { $0[group] = config.map { Group(overrides: [:], config: $0) } }
    }
}
