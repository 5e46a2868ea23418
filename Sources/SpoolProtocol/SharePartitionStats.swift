import NIOCore

/// Spool's extension to DescribeShareGroupOffsets (90) v0: how many records of a share-partition are in each
/// delivery state, carried in tagged field ``tag`` of each `DescribeShareGroupOffsetsResponsePartition`.
///
/// Kafka's schema has no field for these counts. A tagged field is the one place a broker may add data to a
/// flexible-version message without breaking clients: Kafka's clients and librdkafka skip tags they do not know.
/// The tag is far above any Kafka has used (they count up from 0), so a future Kafka field will not collide.
///
/// Encoding, big-endian: a version byte (`1`), then eight int64s in this order: available, acquired,
/// acknowledged, archived, dead-lettered, the first available offset, the oldest available record's age in
/// milliseconds (-1 when no record is available) and the log end offset. 65 bytes.
public struct SharePartitionStats: Hashable, Sendable {
    /// The tag number of the field in `DescribeShareGroupOffsetsResponsePartition`.
    public static let tag: UInt32 = 10_000
    /// The encoding version this code writes and reads.
    static let version: UInt8 = 1
    static let encodedBytes = 1 + 8 * 8

    /// Records that may be delivered now or after their redelivery backoff: those inside the in-flight window and
    /// those from the share-partition end offset to the log end offset, never delivered.
    public var available: Int64
    /// Records a member holds (acquired, lock not yet released).
    public var acquired: Int64
    /// Accepted records the start offset has not yet passed.
    public var acknowledged: Int64
    /// Archived records (rejected, gaps, or at the delivery limit) the start offset has not yet passed.
    public var archived: Int64
    /// Records archived for the dead-letter topic since the broker loaded the share-partition.
    public var deadLettered: Int64
    /// The lowest available offset (the log end offset when none is available).
    public var firstAvailableOffset: Int64
    /// How long ago the oldest available record was appended, in milliseconds, from the timestamp of the batch
    /// holding it (its first timestamp); -1 when no record is available.
    public var oldestAvailableAgeMs: Int64
    /// The partition's log end offset when the counts were taken.
    public var logEndOffset: Int64

    /// Counts of one share-partition.
    ///
    /// - Parameters:
    ///   - available: available records, in the window and past it up to the log end.
    ///   - acquired: records held by members.
    ///   - acknowledged: accepted records not yet passed by the start offset.
    ///   - archived: archived records not yet passed by the start offset.
    ///   - deadLettered: records archived for the dead-letter topic since the share-partition was loaded.
    ///   - firstAvailableOffset: the lowest available offset.
    ///   - oldestAvailableAgeMs: the oldest available record's age, or -1.
    ///   - logEndOffset: the log end offset.
    public init(
        available: Int64 = 0, acquired: Int64 = 0, acknowledged: Int64 = 0, archived: Int64 = 0,
        deadLettered: Int64 = 0, firstAvailableOffset: Int64 = 0, oldestAvailableAgeMs: Int64 = -1,
        logEndOffset: Int64 = 0
    ) {
        self.available = available
        self.acquired = acquired
        self.acknowledged = acknowledged
        self.archived = archived
        self.deadLettered = deadLettered
        self.firstAvailableOffset = firstAvailableOffset
        self.oldestAvailableAgeMs = oldestAvailableAgeMs
        self.logEndOffset = logEndOffset
    }

    private var fields: [Int64] {
        [available, acquired, acknowledged, archived, deadLettered, firstAvailableOffset, oldestAvailableAgeMs,
         logEndOffset]
    }

    /// The tagged field carrying these counts.
    public var taggedField: KafkaTaggedField {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.encodedBytes)
        buffer.writeInteger(Self.version)
        for value in fields { buffer.writeInteger(value) }
        return KafkaTaggedField(tag: Self.tag, data: buffer)
    }

    /// The counts in a partition entry's tagged fields, or nil when there are none (a broker other than Spool)
    /// or they are in an encoding this code does not know.
    ///
    /// - Parameter taggedFields: the entry's `unknownTaggedFields`.
    public init?(taggedFields: [KafkaTaggedField]) {
        guard let field = taggedFields.first(where: { $0.tag == Self.tag }) else { return nil }
        var data = field.data
        guard data.readableBytes >= Self.encodedBytes, data.readInteger(as: UInt8.self) == Self.version else {
            return nil
        }
        var values: [Int64] = []
        for _ in 0..<8 {
            guard let value = data.readInteger(as: Int64.self) else { return nil }
            values.append(value)
        }
        self.init(
            available: values[0], acquired: values[1], acknowledged: values[2], archived: values[3],
            deadLettered: values[4], firstAvailableOffset: values[5], oldestAvailableAgeMs: values[6],
            logEndOffset: values[7])
    }
}
