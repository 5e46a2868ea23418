/// The durable form of one share-partition's state (KIP-932): what a broker needs after a restart to go on
/// delivering a share group's records without losing any or redelivering an acknowledged one.
///
/// Only records whose state differs from "available, never delivered" are listed, as ranges; records that
/// were acquired when the snapshot was taken are listed as available with their delivery count, so that they
/// are delivered again after a crash. A value type: thread-safe.
public struct SharePartitionSnapshot: Hashable, Sendable {
    /// A record's persisted state. The raw values are Kafka's persister codes (`RecordState`).
    public enum RecordState: UInt8, Hashable, Sendable {
        /// Deliverable (again); its delivery count says how often it was delivered before.
        case available = 0
        /// Accepted by a consumer: never delivered again.
        case acknowledged = 2
        /// Rejected, given up (delivery limit) or a gap: never delivered again.
        case archived = 4
    }

    /// Consecutive records with one state and delivery count.
    public struct Range: Hashable, Sendable {
        /// The first offset of the range.
        public var firstOffset: Int64
        /// The last offset of the range, inclusive.
        public var lastOffset: Int64
        /// The records' state.
        public var state: RecordState
        /// How many times the records were delivered.
        public var deliveryCount: Int16

        /// A range of records; `firstOffset` must not exceed `lastOffset`.
        public init(firstOffset: Int64, lastOffset: Int64, state: RecordState, deliveryCount: Int16) {
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
            self.state = state
            self.deliveryCount = deliveryCount
        }
    }

    /// The share group's id.
    public var groupId: String
    /// The topic's name.
    public var topic: String
    /// The partition index.
    public var partition: Int32
    /// Bumped each time the state is loaded by a broker, so that a writer holding an older epoch can be told apart.
    public var stateEpoch: Int32
    /// The share-partition start offset (SPSO): every record below it is acknowledged or archived.
    public var startOffset: Int64
    /// Ranges at or above ``startOffset``, ascending and not overlapping.
    public var ranges: [Range]

    /// A snapshot.
    ///
    /// - Parameters:
    ///   - groupId: the share group's id.
    ///   - topic: the topic's name.
    ///   - partition: the partition index.
    ///   - stateEpoch: the state epoch.
    ///   - startOffset: the share-partition start offset.
    ///   - ranges: ascending, non-overlapping ranges at or above `startOffset`.
    public init(
        groupId: String, topic: String, partition: Int32, stateEpoch: Int32, startOffset: Int64, ranges: [Range]
    ) {
        self.groupId = groupId
        self.topic = topic
        self.partition = partition
        self.stateEpoch = stateEpoch
        self.startOffset = startOffset
        self.ranges = ranges
    }
}

extension SharePartitionSnapshot {
    /// The version byte that starts ``encodedRanges()``.
    static let rangesEncodingVersion: UInt8 = 1
    /// Bytes of one encoded range.
    static let encodedRangeBytes = 19

    /// The ranges in the binary form the `share_partition_state.ranges` column holds.
    ///
    /// Version 1, big-endian: one byte `1`, then per range 19 bytes: the first offset (int64), the last
    /// offset (int64), the state (uint8: Kafka's 0 available, 2 acknowledged, 4 archived) and the delivery
    /// count (int16). The count of ranges follows from the length. A later version changes the first byte.
    public func encodedRanges() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + ranges.count * Self.encodedRangeBytes)
        bytes.append(Self.rangesEncodingVersion)
        for range in ranges {
            Self.append(UInt64(bitPattern: range.firstOffset), bytes: 8, to: &bytes)
            Self.append(UInt64(bitPattern: range.lastOffset), bytes: 8, to: &bytes)
            bytes.append(range.state.rawValue)
            Self.append(UInt64(UInt16(bitPattern: range.deliveryCount)), bytes: 2, to: &bytes)
        }
        return bytes
    }

    /// Decodes ranges written by ``encodedRanges()``.
    ///
    /// - Parameter bytes: the column's bytes.
    /// - Returns: the ranges.
    /// - Throws: ``MetadataError`` `.storage` when the version is unknown or the bytes are not whole ranges.
    public static func decodeRanges(_ bytes: [UInt8]) throws -> [Range] {
        guard let version = bytes.first, version == rangesEncodingVersion else {
            throw MetadataError.storage(
                "share-partition state ranges have encoding version \(bytes.first.map(String.init) ?? "none"), "
                    + "this Spool reads version \(rangesEncodingVersion): run the Spool that wrote them")
        }
        guard (bytes.count - 1) % encodedRangeBytes == 0 else {
            throw MetadataError.storage("share-partition state ranges are \(bytes.count) bytes, not whole ranges")
        }
        var ranges: [Range] = []
        ranges.reserveCapacity((bytes.count - 1) / encodedRangeBytes)
        var index = 1
        while index < bytes.count {
            let first = Int64(bitPattern: read(bytes, at: index, count: 8))
            let last = Int64(bitPattern: read(bytes, at: index + 8, count: 8))
            guard let state = RecordState(rawValue: bytes[index + 16]), first <= last else {
                throw MetadataError.storage("share-partition state range at byte \(index) is not valid")
            }
            let count = Int16(bitPattern: UInt16(truncatingIfNeeded: read(bytes, at: index + 17, count: 2)))
            ranges.append(Range(firstOffset: first, lastOffset: last, state: state, deliveryCount: count))
            index += encodedRangeBytes
        }
        return ranges
    }

    private static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func read(_ bytes: [UInt8], at index: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for byte in bytes[index..<(index + count)] { value = value << 8 | UInt64(byte) }
        return value
    }
}

extension SharePartitionSnapshot {
    /// A snapshot that stands for removing a share-partition's stored state (DeleteShareGroupOffsets), so that a
    /// deletion is saved in the same transaction, and in the same order, as the states saved with it. Its start
    /// offset is -1, Kafka's "uninitialized" start offset.
    ///
    /// - Parameters:
    ///   - groupId: the share group's id.
    ///   - topic: the topic's name.
    ///   - partition: the partition index.
    /// - Returns: the deletion.
    public static func deletion(groupId: String, topic: String, partition: Int32) -> SharePartitionSnapshot {
        SharePartitionSnapshot(
            groupId: groupId, topic: topic, partition: partition, stateEpoch: -1, startOffset: -1, ranges: [])
    }

    /// Whether this snapshot removes the stored state (see ``deletion(groupId:topic:partition:)``).
    public var isDeletion: Bool { startOffset < 0 }
}
