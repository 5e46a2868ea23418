import Logging
import Metrics
import NIOCore
import SpoolLog
import SpoolProtocol

/// A partition's offsets and leadership as the request path reports them.
///
/// Kafka's vocabulary, kept apart even where one broker makes values coincide, because replication will separate
/// them: the high watermark (what consumers may read) is the log end offset only because the leader is the only
/// in-sync replica, and the leader epoch is 0 only because leadership never moves.
struct PartitionState: Sendable, Equatable {
    /// The epoch of the current leader (this broker); 0 since a partition's creation.
    var leaderEpoch: Int32
    /// The first offset still in the log.
    var logStartOffset: Int64
    /// Offsets below it are visible to consumers: the least log end offset of the in-sync replicas, so here the
    /// leader's log end offset.
    var highWatermark: Int64
    /// The offset the next appended record gets.
    var logEndOffset: Int64
    /// What read_committed consumers may read: below the first open transaction, and the high watermark while
    /// none is open.
    var lastStableOffset: Int64
}

/// Kafka's `ReplicaManager` for one broker: the layer between the request handlers and the logs. It finds each
/// partition, checks leader epochs, appends with acks 0, 1 and all (one trip to the I/O pool each), reads by plan
/// (for Fetch, and for ShareFetch to come), looks offsets up by time and position, deletes records, and owns where
/// each step runs: blocking log work on the I/O pool, waits as delayed operations on the requester's event loop.
/// Handlers decode, call it, and encode.
///
/// Thread-safe: immutable; the catalog, the log manager and the delayed operations are.
final class PartitionManager: Sendable {
    let catalog: TopicCatalog
    let logManager: LogManager
    /// Every wait: fetch long-polls (woken by appends) and acks=all produces (woken by fsyncs).
    let delayed: DelayedOperations
    let logger: Logger
    /// Largest records section a produced compressed batch may decompress to (`message.max.decompressed.bytes`).
    let maximumDecompressedBatchBytes: Int
    /// Longest a fetch waits for data (`fetch.max.wait.ms`).
    let fetchMaxWaitMs: Int32
    let metrics = PartitionMetrics()
    /// The open transactions, kept by the transaction coordinator: transactional batches are checked against them.
    let ongoingTransactions = OngoingTransactions()

    init(catalog: TopicCatalog, logManager: LogManager, configuration: BrokerConfiguration, logger: Logger) {
        self.catalog = catalog
        self.logManager = logManager
        self.delayed = DelayedOperations()
        self.logger = logger
        self.maximumDecompressedBatchBytes = configuration.maximumDecompressedBatchBytes
        self.fetchMaxWaitMs = configuration.fetchMaxWaitMs
    }

    /// The log of a partition this broker leads, or nil when the topic or partition does not exist.
    func log(_ partition: TopicPartition) -> PartitionLog? {
        catalog.topic(partition.topic)?.log(partition.partition)
    }

    /// A partition's offsets and leader epoch, or nil when it does not exist.
    func state(of partition: TopicPartition) -> PartitionState? {
        log(partition).map(Self.state)
    }

    /// The state from one snapshot of the log's offsets, so the log start offset and the high watermark are never
    /// a torn pair.
    static func state(of log: PartitionLog) -> PartitionState {
        let offsets = log.offsets
        return PartitionState(
            leaderEpoch: log.leaderEpoch, logStartOffset: offsets.logStartOffset, highWatermark: offsets.logEndOffset,
            logEndOffset: offsets.logEndOffset, lastStableOffset: offsets.lastStableOffset)
    }

    /// The log of a partition, checked against the leader epoch the client believes current (Kafka's
    /// `current_leader_epoch`; -1 skips the check).
    /// - Throws: `BrokerError` UNKNOWN_TOPIC_OR_PARTITION, or FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH when the
    ///   client's epoch is older / newer than the leader's.
    func leaderLog(_ partition: TopicPartition, currentLeaderEpoch: Int32 = -1) throws(BrokerError) -> PartitionLog {
        guard let log = log(partition) else {
            throw BrokerError(code: .unknownTopicOrPartition, message: "\(partition) does not exist")
        }
        guard currentLeaderEpoch >= 0, currentLeaderEpoch != log.leaderEpoch else { return log }
        if currentLeaderEpoch < log.leaderEpoch {
            throw BrokerError(
                code: .fencedLeaderEpoch,
                message: "leader epoch \(currentLeaderEpoch) is older than the leader's (\(log.leaderEpoch))")
        }
        throw BrokerError(
            code: .unknownLeaderEpoch,
            message: "leader epoch \(currentLeaderEpoch) is newer than the leader's (\(log.leaderEpoch))")
    }

    // MARK: Offsets by time and position

    /// Which offset ListOffsets asks for.
    enum OffsetSpec: Sendable, Equatable {
        /// The log end offset (-1).
        case latest
        /// The log start offset (-2).
        case earliest
        /// The first record with the largest timestamp (-3).
        case maxTimestamp
        /// The first record whose timestamp reaches this (milliseconds since the epoch).
        case timestamp(Int64)

        /// Kafka's encoding of the spec in ListOffsets; nil for a negative value Kafka does not define here.
        init?(listOffsetsTimestamp value: Int64) {
            switch value {
            case -1: self = .latest
            case -2: self = .earliest
            case -3: self = .maxTimestamp
            case 0...: self = .timestamp(value)
            default: return nil
            }
        }
    }

    /// The offset (and its timestamp, -1 for positions) a spec names, or nil when no record matches.
    /// Lookups by time read indexes and segments, on the I/O pool.
    /// - Parameter readCommitted: ListOffsets' isolation level read_committed: LATEST is the last stable offset.
    /// - Throws: `BrokerError` for an unknown partition, a fenced epoch or a storage failure.
    func offset(_ spec: OffsetSpec, of partition: TopicPartition, currentLeaderEpoch: Int32 = -1,
                readCommitted: Bool = false) async throws(BrokerError) -> TimestampOffset? {
        let log = try leaderLog(partition, currentLeaderEpoch: currentLeaderEpoch)
        switch spec {
        case .latest:
            let state = Self.state(of: log)
            return TimestampOffset(timestamp: -1, offset: readCommitted ? state.lastStableOffset : state.highWatermark)
        case .earliest: return TimestampOffset(timestamp: -1, offset: Self.state(of: log).logStartOffset)
        case .maxTimestamp, .timestamp:
            let found = try await onIOThread { () throws(LogError) -> TimestampOffset? in
                if case .timestamp(let time) = spec { return try log.offset(forTimestamp: time) }
                return try log.maxTimestampOffset()
            }
            // read_committed consumers cannot see past the LSO, so a record found there is no answer (as in Kafka).
            guard let found, !readCommitted || found.offset < log.lastStableOffset else { return nil }
            return found
        }
    }

    /// The end offset of the leader epoch a client asks about (OffsetForLeaderEpoch): every partition has had
    /// one epoch, 0, which ends at the log end offset; nil (undefined) for a negative epoch.
    /// - Throws: `BrokerError` for an unknown partition or a fenced / unknown current epoch.
    func endOffset(forLeaderEpoch epoch: Int32, of partition: TopicPartition, currentLeaderEpoch: Int32) throws(BrokerError) -> (leaderEpoch: Int32, endOffset: Int64)? {
        let log = try leaderLog(partition, currentLeaderEpoch: currentLeaderEpoch)
        guard epoch <= log.leaderEpoch else { return nil }
        return (log.leaderEpoch, log.logEndOffset)
    }

    // MARK: DeleteRecords

    /// Moves a partition's log start offset up to `offset` (-1: the high watermark), durably, and deletes the
    /// segments below it.
    /// - Returns: the new log start offset (Kafka's low watermark).
    /// - Throws: `BrokerError` OFFSET_OUT_OF_RANGE above the high watermark, POLICY_VIOLATION when the topic's
    ///   cleanup.policy lacks delete (as Kafka's `Partition.deleteRecordsOnLeader`), or a storage failure.
    func deleteRecords(of partition: TopicPartition, before offset: Int64) async throws(BrokerError) -> Int64 {
        let log = try leaderLog(partition)
        let policy = log.logConfig.cleanupPolicy
        guard policy.contains(.delete) else {
            throw BrokerError(
                code: .policyViolation,
                message: "Records of partition \(partition) can not be deleted due to the configured policy "
                    + "(cleanup.policy=\(policy)): set cleanup.policy to compact,delete to allow DeleteRecords")
        }
        return try await onIOThread { try log.deleteRecords(before: offset) }
    }

    /// Runs blocking log work on the I/O pool, with its failure as a `BrokerError`.
    func onIOThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(BrokerError) -> T {
        do {
            return try await logManager.onIOThread(body)
        } catch {
            throw BrokerError(wrapping: error)
        }
    }
}

/// swift-metrics numbers of the partition layer. Thread-safe (metrics handlers are).
struct PartitionMetrics: Sendable {
    let bytesIn = Counter(label: "spool_bytes_in_total")
    let bytesOut = Counter(label: "spool_bytes_out_total")
    let produceLatency = Metrics.Timer(label: "spool_produce_latency_seconds")
    let fetchLatency = Metrics.Timer(label: "spool_fetch_latency_seconds")
    /// Fetch reads answered without I/O (`ReadPlan`'s in-memory path), and those that took the I/O pool.
    let readsFromMemory = Counter(label: "spool_fetch_reads_total", dimensions: [("from", "memory")])
    let readsFromPool = Counter(label: "spool_fetch_reads_total", dimensions: [("from", "pool")])
    /// Records and bytes per topic.
    let topics = TopicTrafficMetrics()
}
