import Foundation

/// One topic as the metadata store holds it. A value type: thread-safe to share and copy.
public struct TopicMetadata: Hashable, Sendable {
    /// The topic name, Kafka-legal (see ``TopicName/validate(_:)``).
    public var name: String
    /// The topic ID Kafka clients use from Metadata v10, Fetch v13 and Produce v13 on: 16 random bytes,
    /// never all zero, fixed for the topic's lifetime. A topic deleted and created again gets a new ID.
    public var topicId: UUID
    /// How many partitions the topic has, at least 1.
    public var partitionCount: Int32
    /// Per-topic config overrides by their Kafka names (`retention.ms`, `segment.bytes`, `cleanup.policy`, …).
    /// A key that is absent takes the broker's default.
    public var configs: [String: String]
    /// When the topic was created, to the millisecond.
    public var createdAt: Date

    /// Makes a topic value; the store makes these, tests and other stores may too.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - topicId: the topic ID.
    ///   - partitionCount: the number of partitions.
    ///   - configs: the config overrides.
    ///   - createdAt: the creation time.
    public init(name: String, topicId: UUID, partitionCount: Int32, configs: [String: String], createdAt: Date) {
        self.name = name
        self.topicId = topicId
        self.partitionCount = partitionCount
        self.configs = configs
        self.createdAt = createdAt
    }
}

/// Kafka's rules for topic names. A namespace of pure functions: thread-safe.
public enum TopicName {
    /// The longest legal topic name, in characters (Kafka's `Topic.MAX_NAME_LENGTH`).
    public static let maximumLength = 249

    /// Checks a name against Kafka's rules: 1 to 249 characters from `[a-zA-Z0-9._-]`, and neither `.` nor `..`.
    ///
    /// - Parameter name: the proposed topic name.
    /// - Throws: ``MetadataError`` `.invalidTopicName`, saying which rule the name breaks.
    public static func validate(_ name: String) throws(MetadataError) {
        if name.isEmpty {
            throw .invalidTopicName(name, reason: "it is empty; a topic name has 1 to \(maximumLength) characters")
        }
        if name == "." || name == ".." {
            throw .invalidTopicName(name, reason: "\"\(name)\" is reserved; choose another name")
        }
        // Every legal character is ASCII, so the UTF-8 length is the character count Kafka checks.
        if name.utf8.count > maximumLength {
            throw .invalidTopicName(
                name, reason: "it has \(name.utf8.count) bytes; a topic name has at most \(maximumLength)")
        }
        if let bad = name.unicodeScalars.first(where: { !isLegal($0) }) {
            throw .invalidTopicName(
                name, reason: "it contains \"\(bad.escaped(asASCII: true))\"; "
                    + "use only ASCII letters, digits, '.', '_' and '-'")
        }
    }

    /// Kafka refuses a topic whose name differs from an existing one only by `.` against `_`, because
    /// both map to the same metric name. Two names collide when their collision keys are equal.
    ///
    /// - Parameter name: a topic name.
    /// - Returns: the name with every `.` replaced by `_`.
    public static func collisionKey(_ name: String) -> String {
        String(name.map { $0 == "." ? "_" : $0 })
    }

    private static func isLegal(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}

/// Topic IDs as Kafka makes them (`Uuid.randomUuid`).
enum TopicID {
    /// 16 random bytes from the system's secure generator, drawn again when they are all zero, when they
    /// are Kafka's reserved metadata topic ID (zero but for a last 1), or when their base64 form would
    /// start with `-` (which command-line tools take for an option), as Kafka does.
    static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        while true {
            let high = generator.next() as UInt64
            let low = generator.next() as UInt64
            let reserved = high == 0 && (low == 0 || low == 1)
            // Kafka prints IDs in URL-safe base64, where the first 6 bits 62 spell '-'.
            let dashFirst = high >> 58 == 62
            if !reserved && !dashFirst {
                return uuid(high: high, low: low)
            }
        }
    }

    /// The big-endian bytes of `high` then `low`, the order Kafka writes a UUID on the wire.
    static func uuid(high: UInt64, low: UInt64) -> UUID {
        let h = high.bigEndian
        let l = low.bigEndian
        return withUnsafeBytes(of: (h, l)) { raw in
            UUID(uuid: (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                        raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]))
        }
    }

    /// The 16 bytes of a UUID in order, to store as a BLOB.
    static func bytes(of id: UUID) -> Data {
        withUnsafeBytes(of: id.uuid) { Data($0) }
    }

    /// The UUID stored as a BLOB, or `nil` when the blob is not 16 bytes long.
    static func uuid(bytes: Data) -> UUID? {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        return uuid(high: high, low: low)
    }
}
