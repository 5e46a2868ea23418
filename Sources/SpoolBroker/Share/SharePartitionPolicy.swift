import SpoolProtocol

/// How long a released or expired record waits before it may be delivered again: a per-group policy, so that
/// a failing downstream is not hammered. Kafka redelivers at once (``none``). A value type: thread-safe.
public enum RedeliveryBackoff: Hashable, Sendable {
    /// Available again at once (Kafka's behaviour).
    case none
    /// Available again `delayMs` milliseconds after the release or expiry.
    case fixed(delayMs: Int64)
    /// `baseMs` after the first delivery, doubling with each further delivery, at most `maximumMs`.
    case exponential(baseMs: Int64, maximumMs: Int64)

    /// The delay before a record delivered `deliveryCount` times may be delivered again, in milliseconds.
    ///
    /// - Parameter deliveryCount: how many times the record has been delivered (1 after its first delivery).
    /// - Returns: the delay, never negative.
    public func delayMs(deliveryCount: Int16) -> Int64 {
        switch self {
        case .none:
            return 0
        case .fixed(let delayMs):
            return max(0, delayMs)
        case .exponential(let baseMs, let maximumMs):
            let shift = Int64(max(0, min(Int(deliveryCount) - 1, 62)))
            // base << shift overflows before it exceeds any maximum that fits in an Int64: compare first.
            guard baseMs > 0 else { return 0 }
            return baseMs > (maximumMs >> shift) ? max(0, maximumMs) : baseMs << shift
        }
    }
}

/// The per-group limits a share-partition applies. A value type: thread-safe.
public struct SharePartitionPolicy: Hashable, Sendable {
    /// A record delivered this many times is archived when it is released or its lock expires
    /// (`group.share.delivery.count.limit`, Kafka's default 5).
    public var deliveryCountLimit: Int16
    /// The most records in flight, from the start offset to the end of what was acquired
    /// (`group.share.partition.max.record.locks`); past it nothing new is acquired.
    public var maximumRecordLocks: Int
    /// The delay before a released or expired record is available again.
    public var redeliveryBackoff: RedeliveryBackoff
    /// Whether the group has a dead-letter topic: dead letters then wait in the window until it has them.
    public var holdsDeadLetters = false

    /// A policy; the defaults are Kafka's.
    ///
    /// - Parameters:
    ///   - deliveryCountLimit: the delivery limit, at least 1.
    ///   - maximumRecordLocks: the in-flight bound, at least 1.
    ///   - redeliveryBackoff: the redelivery delay.
    public init(
        deliveryCountLimit: Int16 = 5, maximumRecordLocks: Int = 2000, redeliveryBackoff: RedeliveryBackoff = .none
    ) {
        self.deliveryCountLimit = max(1, deliveryCountLimit)
        self.maximumRecordLocks = max(1, maximumRecordLocks)
        self.redeliveryBackoff = redeliveryBackoff
    }
}

/// Records acquired for one member, as ShareFetch's AcquiredRecords carries them: a contiguous run of
/// offsets with one delivery count.
public struct AcquiredRecords: Hashable, Sendable {
    /// The first offset.
    public var firstOffset: Int64
    /// The last offset, inclusive.
    public var lastOffset: Int64
    /// How many times these records have been delivered, this delivery included.
    public var deliveryCount: Int16
}

/// Kafka's acknowledgement types (ShareFetch and ShareAcknowledge `AcknowledgeTypes`).
public enum AcknowledgeType: Int8, Hashable, Sendable {
    /// The offset has no record (compaction, a transaction marker): archived, not dead-lettered.
    case gap = 0
    /// Processed: never delivered again.
    case accept = 1
    /// Not processed: available again after the redelivery backoff.
    case release = 2
    /// Unprocessable: archived and dead-lettered.
    case reject = 3
}

/// One acknowledgement batch of a ShareFetch or ShareAcknowledge request.
public struct AcknowledgementBatch: Hashable, Sendable {
    /// The first offset acknowledged.
    public var firstOffset: Int64
    /// The last offset acknowledged, inclusive.
    public var lastOffset: Int64
    /// The wire's types: one for the whole batch, or one per offset. Values outside 0...3 are refused.
    public var acknowledgeTypes: [Int8]

    /// A batch as decoded from the request.
    ///
    /// - Parameters:
    ///   - firstOffset: the first offset.
    ///   - lastOffset: the last offset, inclusive.
    ///   - acknowledgeTypes: one type for the batch, or one per offset.
    public init(firstOffset: Int64, lastOffset: Int64, acknowledgeTypes: [Int8]) {
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.acknowledgeTypes = acknowledgeTypes
    }

    /// A batch with one type for every offset.
    public init(firstOffset: Int64, lastOffset: Int64, type: AcknowledgeType) {
        self.init(firstOffset: firstOffset, lastOffset: lastOffset, acknowledgeTypes: [type.rawValue])
    }
}

/// Why records were archived for the dead-letter topic.
public enum DeadLetterReason: String, Hashable, Sendable {
    /// A consumer rejected them.
    case rejected
    /// They were released or their lock expired after reaching the delivery limit.
    case deliveryLimit = "delivery-limit"
}

/// Archived records the caller should append to the group's dead-letter topic.
public struct DeadLetterRecords: Hashable, Sendable {
    /// The first offset.
    public var firstOffset: Int64
    /// The last offset, inclusive.
    public var lastOffset: Int64
    /// How many times the records were delivered.
    public var deliveryCount: Int16
    /// Why they were archived.
    public var reason: DeadLetterReason
}

/// How many records of one share-partition are in each state, for ShareGroupDescribe, `spool queue describe`
/// and metrics. A value type: thread-safe.
public struct SharePartitionCounts: Hashable, Sendable {
    /// Available records inside the in-flight window (delayed ones included); records at and past the end
    /// offset are available too but not counted here.
    public var available = 0
    /// Records held by a member.
    public var acquired = 0
    /// Acknowledged records not yet passed by the start offset.
    public var acknowledged = 0
    /// Archived records not yet passed by the start offset.
    public var archived = 0
    /// Records archived for the dead-letter topic since this state was created or restored.
    public var deadLettered: Int64 = 0
    /// The lowest available offset: inside the window, or else the end offset (the next never-delivered record,
    /// if the log has it).
    public var firstAvailableOffset: Int64 = 0
}
