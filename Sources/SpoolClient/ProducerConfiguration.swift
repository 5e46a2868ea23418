import NIOCore
import SpoolRecords

/// How a `Producer` batches, acknowledges and retries. A value type.
public struct ProducerConfiguration: Sendable {
    /// How many acknowledgements a produce request waits for.
    public enum Acks: Int16, Sendable, CaseIterable {
        /// Fire and forget: no response; offsets are reported as -1.
        case none = 0
        /// The leader wrote the batch.
        case leader = 1
        /// Every in-sync replica has it (on Spool: fsynced).
        case all = -1
    }

    /// Acknowledgements to wait for.
    public var acks: Acks
    /// How long a batch waits for more records before it is sent, in milliseconds.
    public var lingerMs: Int64
    /// A batch is sent once its records reach this many bytes (before compression).
    public var batchSizeBytes: Int
    /// The codec applied to each batch's records.
    public var compression: CompressionCodec
    /// Whether batches carry a producer id and sequence numbers so that retries are written once.
    /// Requires `acks == .all`.
    public var idempotent: Bool
    /// Bytes of records held (waiting or in flight) before `send` waits for space.
    public var bufferMemoryBytes: Int
    /// How long `send` may take overall, retries included, in milliseconds.
    public var deliveryTimeoutMs: Int64
    /// How many batches of one partition may wait for their acknowledgement at once (Kafka's
    /// `max.in.flight.requests.per.connection`, 5 by default). They are written in order on one connection;
    /// with idempotence at most 5, the number of batches a broker remembers per producer and partition.
    public var maxInFlightBatchesPerPartition: Int

    /// Makes a configuration; the defaults are the Java client's (idempotent, acks=all).
    /// - Parameters:
    ///   - acks: acknowledgements to wait for.
    ///   - lingerMs: how long a batch waits for more records.
    ///   - batchSizeBytes: the size at which a batch is sent at once.
    ///   - compression: the batch codec.
    ///   - idempotent: producer id and sequence numbers on every batch (needs acks=all).
    ///   - bufferMemoryBytes: the memory bound that makes `send` wait.
    ///   - deliveryTimeoutMs: the overall deadline of one `send`.
    ///   - maxInFlightBatchesPerPartition: batches of one partition sent before the first is acknowledged.
    public init(
        acks: Acks = .all, lingerMs: Int64 = 5, batchSizeBytes: Int = 16_384, compression: CompressionCodec = .none,
        idempotent: Bool = true, bufferMemoryBytes: Int = 32 * 1024 * 1024, deliveryTimeoutMs: Int64 = 120_000,
        maxInFlightBatchesPerPartition: Int = 5
    ) {
        self.acks = acks
        self.lingerMs = lingerMs
        self.batchSizeBytes = batchSizeBytes
        self.compression = compression
        self.idempotent = idempotent
        self.bufferMemoryBytes = bufferMemoryBytes
        self.deliveryTimeoutMs = deliveryTimeoutMs
        self.maxInFlightBatchesPerPartition = maxInFlightBatchesPerPartition
    }
}

/// Where a record was written. A value type.
public struct RecordMetadata: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The record's offset, or -1 with acks=0.
    public var offset: Int64
    /// The record's timestamp: its create time, or the broker's append time when the topic uses it.
    public var timestamp: Int64
}

/// One record for `Producer.send(_:completion:)`, which queues many with one call. A value type.
public struct ProducerRecord: Sendable {
    /// The topic.
    public var topic: String
    /// The key, or nil; keyed records are partitioned by murmur2 of the key.
    public var key: ByteBuffer?
    /// The value, or nil (a tombstone).
    public var value: ByteBuffer?
    /// Record headers.
    public var headers: [RecordHeader]
    /// A partition to use instead of the partitioner's choice.
    public var partition: Int32?
    /// The create time in milliseconds since the epoch; the time of queueing when nil.
    public var timestamp: Int64?

    /// Makes a record.
    /// - Parameters:
    ///   - topic: the topic.
    ///   - key: the key, or nil.
    ///   - value: the value, or nil.
    ///   - headers: record headers.
    ///   - partition: an explicit partition, or nil for the partitioner's choice.
    ///   - timestamp: the create time, or nil for now.
    public init(
        topic: String, key: ByteBuffer? = nil, value: ByteBuffer?, headers: [RecordHeader] = [],
        partition: Int32? = nil, timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
        self.timestamp = timestamp
    }
}
