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
        SharePartitionPolicy(
            deliveryCountLimit: deliveryCountLimit, maximumRecordLocks: maximumRecordLocks,
            redeliveryBackoff: redeliveryBackoff)
    }
}

/// Every share group's configs: the broker's defaults, and each group's own where it set some. In memory here;
/// the GROUP-resource admin APIs set and persist them.
///
/// Thread-safe: a lock guards the map.
final class ShareGroupConfigs: Sendable {
    let defaults: ShareGroupConfig
    private let groups = NIOLockedValueBox<[String: ShareGroupConfig]>([:])

    init(defaults: ShareGroupConfig) {
        self.defaults = defaults
    }

    /// The group's configs, or the defaults when it set none.
    func config(for group: String) -> ShareGroupConfig {
        groups.withLockedValue { $0[group] } ?? defaults
    }

    /// Replaces the group's configs (nil: back to the defaults).
    func set(_ config: ShareGroupConfig?, for group: String) {
        groups.withLockedValue { $0[group] = config }
    }
}
