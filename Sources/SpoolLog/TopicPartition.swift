/// A topic name and a partition number: the unit of storage, one directory each.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The topic's name: 1 to 249 characters of `[a-zA-Z0-9._-]`, not "." or "..".
    public let topic: String
    /// The partition number, from 0.
    public let partition: Int32

    /// - Parameters:
    ///   - topic: the topic name.
    ///   - partition: the partition number.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// The partition's directory name, `<topic>-<partition>`.
    public var directoryName: String { "\(topic)-\(partition)" }

    public var description: String { directoryName }

    /// Parses a directory name back; topics may contain `-`, so the partition follows the last one.
    /// - Parameter directoryName: a name such as `orders-3`.
    public init?(directoryName: String) {
        guard let dash = directoryName.lastIndex(of: "-") else { return nil }
        let topic = String(directoryName[..<dash])
        guard let partition = Int32(directoryName[directoryName.index(after: dash)...]), partition >= 0,
              Self.isLegalTopicName(topic)
        else { return nil }
        self.init(topic: topic, partition: partition)
    }

    /// Whether `name` is a legal Kafka topic name (and so safe as a directory name).
    /// - Parameter name: the candidate topic name.
    public static func isLegalTopicName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 249, name != ".", name != ".." else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}
