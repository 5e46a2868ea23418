import NIOCore
import SpoolProtocol

/// How a `ShareConsumer` joins its share group and fetches. A value type.
public struct ShareConsumerConfiguration: Sendable {
    /// When records that were delivered but not acknowledged explicitly are acknowledged.
    public enum AcknowledgementMode: Sendable, Hashable {
        /// As librdkafka's and the Java client's default `share.acknowledgement.mode=implicit`: every record a
        /// poll delivered and the caller did not acknowledge is accepted when the next batch is requested (the
        /// next `poll`, or the next step of `records`) or on `commit()`. Explicit `release`/`reject` calls made
        /// before that still count.
        case implicit
        /// Only what the caller acknowledges is acknowledged; a record left alone stays acquired by this
        /// consumer until its lock expires (`share.record.lock.duration.ms` on the broker) or the consumer closes,
        /// and is then delivered again, to any member.
        case explicit
    }

    /// The share group (KIP-932).
    public var groupId: String
    /// Implicit (the default) or explicit acknowledgement.
    public var acknowledgementMode: AcknowledgementMode
    /// The records one ShareFetch may acquire (ShareFetch MaxRecords; Kafka's `max.poll.records`, default 500).
    public var maxRecords: Int32
    /// How long the broker may hold a ShareFetch while no record is available, in milliseconds.
    public var fetchMaxWaitMs: Int32
    /// The bytes a ShareFetch waits for.
    public var fetchMinBytes: Int32
    /// The most bytes one ShareFetch response may carry.
    public var fetchMaxBytes: Int32
    /// The heartbeat period until the coordinator names its own, in milliseconds.
    public var heartbeatIntervalMs: Int64
    /// How long the first join may take before `poll` gives up, in milliseconds.
    public var joinTimeoutMs: Int64

    /// Makes a configuration with librdkafka's share consumer defaults.
    /// - Parameters:
    ///   - groupId: the share group.
    ///   - acknowledgementMode: implicit (default) or explicit.
    ///   - maxRecords: the records one fetch may acquire.
    ///   - fetchMaxWaitMs: the broker-side wait.
    ///   - fetchMinBytes: the bytes a fetch waits for.
    ///   - fetchMaxBytes: the response size limit.
    ///   - heartbeatIntervalMs: the heartbeat period before the coordinator's answer.
    ///   - joinTimeoutMs: the limit on joining the group.
    public init(
        groupId: String, acknowledgementMode: AcknowledgementMode = .implicit, maxRecords: Int32 = 500,
        fetchMaxWaitMs: Int32 = 500, fetchMinBytes: Int32 = 1, fetchMaxBytes: Int32 = 52_428_800,
        heartbeatIntervalMs: Int64 = 5_000, joinTimeoutMs: Int64 = 30_000
    ) {
        self.groupId = groupId
        self.acknowledgementMode = acknowledgementMode
        self.maxRecords = maxRecords
        self.fetchMaxWaitMs = fetchMaxWaitMs
        self.fetchMinBytes = fetchMinBytes
        self.fetchMaxBytes = fetchMaxBytes
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.joinTimeoutMs = joinTimeoutMs
    }
}

/// How a share consumer acknowledges a record (KIP-932's AcknowledgeType; Gap is the broker's own business).
public enum AcknowledgeType: Int8, Sendable, Hashable {
    /// Processed: never delivered again.
    case accept = 1
    /// Not processed: delivered again (to any member), with its delivery count raised.
    case release = 2
    /// Unprocessable: never delivered again (archived, or dead-lettered when the group names a topic).
    case reject = 3
}

/// One record a `ShareConsumer` acquired. Acknowledge it with `accept()`, `release()` or `reject()`, or
/// through `ShareConsumer.acknowledge(_:as:)`; the acknowledgement travels with the next ShareFetch or `commit()`.
public struct ShareConsumerRecord: Sendable {
    /// The record.
    public var record: ConsumerRecord
    /// How many times the record has been delivered, this delivery included (1 the first time).
    public var deliveryCount: Int16
    let consumer: ShareConsumer

    /// The topic.
    public var topic: String { record.topic }
    /// The partition.
    public var partition: Int32 { record.partition }
    /// The offset.
    public var offset: Int64 { record.offset }
    /// The key, or nil.
    public var key: ByteBuffer? { record.key }
    /// The value, or nil.
    public var value: ByteBuffer? { record.value }

    /// Marks the record processed.
    /// - Throws: `SpoolClientError.invalidArgument` when it was acknowledged already or its delivery is over.
    public func accept() async throws(SpoolClientError) { try await consumer.acknowledge(self, as: .accept) }

    /// Gives the record back to be delivered again.
    /// - Throws: as `accept()`.
    public func release() async throws(SpoolClientError) { try await consumer.acknowledge(self, as: .release) }

    /// Marks the record unprocessable: it is never delivered again.
    /// - Throws: as `accept()`.
    public func reject() async throws(SpoolClientError) { try await consumer.acknowledge(self, as: .reject) }
}

/// The records of a `ShareConsumer` as an `AsyncSequence`; iteration polls, and ends when the consumer closes.
/// In implicit mode, asking for the record after a batch's last one accepts the batch's unacknowledged records.
public struct ShareConsumerRecords: AsyncSequence, Sendable {
    /// Each element is one acquired record.
    public typealias Element = ShareConsumerRecord
    let consumer: ShareConsumer

    /// Makes an iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

    /// Polls the consumer and hands out its records one at a time.
    public struct Iterator: AsyncIteratorProtocol {
        let consumer: ShareConsumer
        var buffer = PolledRecords<ShareConsumerRecord>()

        /// The next record, or nil once the consumer is closed.
        /// - Throws: `SpoolClientError` from `poll`.
        public mutating func next() async throws(SpoolClientError) -> ShareConsumerRecord? {
            let consumer = self.consumer
            return try await buffer.next { () async throws(SpoolClientError) in
                try await consumer.poll(timeoutMs: 1_000)
            }
        }
    }
}

/// Per share-partition, the acknowledgements one member sent and not yet reported: ordered offsets with their types,
/// merged into KIP-932 acknowledgement batches (one type per run of consecutive offsets).
struct PendingAcknowledgements {
    var entries: [(offset: Int64, type: Int8)] = []

    var isEmpty: Bool { entries.isEmpty }

    /// Consecutive offsets of one type become one batch.
    func batches() -> [(first: Int64, last: Int64, type: Int8)] {
        var sorted = entries
        sorted.sort { $0.offset < $1.offset }
        var batches: [(first: Int64, last: Int64, type: Int8)] = []
        for (offset, type) in sorted {
            if let last = batches.last, last.last + 1 == offset, last.type == type {
                batches[batches.count - 1].last = offset
            } else {
                batches.append((offset, offset, type))
            }
        }
        return batches
    }
}

extension KafkaUUID {
    /// Parses the 32 hex digits `ClusterMetadata.Topic.topicId` holds.
    init?(hex: String) {
        guard hex.utf8.count == 32, let high = UInt64(hex.prefix(16), radix: 16),
            let low = UInt64(hex.suffix(16), radix: 16)
        else { return nil }
        self.init(high: high, low: low)
    }

    /// A random (version 4) UUID in the base64url form Kafka's `Uuid.toString()` writes: 22 characters.
    static func randomMemberId() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000_0000_0000_0000 as UInt64)) | 0x8000_0000_0000_0000  // RFC 4122 variant
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var text = ""
        var bits = 0
        var value = 0
        for byte in bytes {
            value = (value << 8) | Int(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                text.append(alphabet[(value >> bits) & 63])
            }
        }
        if bits > 0 { text.append(alphabet[(value << (6 - bits)) & 63]) }
        return text
    }
}
