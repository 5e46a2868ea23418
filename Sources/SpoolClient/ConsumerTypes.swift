import NIOCore
import SpoolRecords

/// How a `Consumer` fetches. A value type.
public struct ConsumerConfiguration: Sendable {
    /// Where to start when a partition has no valid position.
    public enum OffsetReset: Sendable {
        /// The log start offset.
        case earliest
        /// The log end offset: only records produced from now on.
        case latest
        /// Fail with OFFSET_OUT_OF_RANGE.
        case none
    }

    /// The consumer group, or nil for a consumer that only uses `assign`.
    public var groupId: String?
    /// Where to start without a committed or valid position.
    public var autoOffsetReset: OffsetReset
    /// How long a broker may hold a fetch waiting for `fetchMinBytes`, in milliseconds.
    public var fetchMaxWaitMs: Int32
    /// The bytes a fetch waits for.
    public var fetchMinBytes: Int32
    /// The most bytes one fetch response may carry.
    public var fetchMaxBytes: Int32
    /// The most bytes one partition may contribute to a fetch.
    public var maxPartitionFetchBytes: Int32
    /// Whether the next fetch is sent while the caller works through the last one's records.
    public var prefetch: Bool
    /// Whether positions are committed every `autoCommitIntervalMs` (with a group).
    public var enableAutoCommit: Bool
    /// The auto-commit period, in milliseconds.
    public var autoCommitIntervalMs: Int64
    /// How long the coordinator waits for a heartbeat before it drops the member, in milliseconds.
    public var sessionTimeoutMs: Int32 = 45_000
    /// The heartbeat period, in milliseconds.
    public var heartbeatIntervalMs: Int64 = 3_000
    /// How long a rebalance may wait for members to rejoin, in milliseconds.
    public var rebalanceTimeoutMs: Int32 = 300_000
    /// The assignors offered to the group, in order of preference.
    public var assignors: [PartitionAssignor] = [.range, .cooperativeSticky]

    /// Makes a configuration with the Java client's defaults.
    /// - Parameters:
    ///   - groupId: the consumer group, or nil.
    ///   - autoOffsetReset: where to start without a position.
    ///   - fetchMaxWaitMs: the broker-side fetch wait.
    ///   - fetchMinBytes: the bytes a fetch waits for.
    ///   - fetchMaxBytes: the response size limit.
    ///   - maxPartitionFetchBytes: the per-partition size limit.
    ///   - prefetch: fetch ahead while records are processed.
    ///   - enableAutoCommit: commit positions periodically (with a group).
    ///   - autoCommitIntervalMs: the auto-commit period.
    public init(
        groupId: String? = nil, autoOffsetReset: OffsetReset = .latest, fetchMaxWaitMs: Int32 = 500,
        fetchMinBytes: Int32 = 1, fetchMaxBytes: Int32 = 52_428_800, maxPartitionFetchBytes: Int32 = 1_048_576,
        prefetch: Bool = true, enableAutoCommit: Bool = true, autoCommitIntervalMs: Int64 = 5_000
    ) {
        self.groupId = groupId
        self.autoOffsetReset = autoOffsetReset
        self.fetchMaxWaitMs = fetchMaxWaitMs
        self.fetchMinBytes = fetchMinBytes
        self.fetchMaxBytes = fetchMaxBytes
        self.maxPartitionFetchBytes = maxPartitionFetchBytes
        self.prefetch = prefetch
        self.enableAutoCommit = enableAutoCommit
        self.autoCommitIntervalMs = autoCommitIntervalMs
    }
}

/// Where to move a partition's position.
public enum OffsetSpec: Sendable, Hashable {
    /// The log start offset.
    case beginning
    /// The log end offset.
    case end
    /// An exact offset.
    case offset(Int64)
    /// The first offset whose timestamp is at least this many milliseconds since the epoch (the end when
    /// no record is that new).
    case timestamp(Int64)
}

/// One consumed record. Key, value and header values share the fetched response's storage.
public struct ConsumerRecord: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The record's offset.
    public var offset: Int64
    /// The timestamp in milliseconds since the epoch.
    public var timestamp: Int64
    /// Whether `timestamp` is the broker's append time rather than the producer's create time.
    public var isLogAppendTime: Bool
    /// The key, or nil.
    public var key: ByteBuffer?
    /// The value, or nil.
    public var value: ByteBuffer?
    /// The headers, in order.
    public var headers: [RecordHeader]
}
