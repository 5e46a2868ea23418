/// Why a metadata operation failed; ``code`` is the kind of failure, which a broker maps to its protocol's error.
///
/// A struct over a private enum (swift-nio's habit) so that new reasons can be added without breaking
/// callers; match on ``code``. A value type: thread-safe.
public struct MetadataError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Reason: Hashable, Sendable {
        case topicAlreadyExists(TopicMetadata)
        case topicNameCollision(name: String, existing: String)
        case unknownTopic(String)
        case invalidTopicName(String, reason: String)
        case invalidPartitionCount(topic: String, requested: Int32, current: Int32?)
        case conflictingConfigUpdate(topic: String, keys: [String])
        case storage(String)
    }

    /// The kind of failure, to match on without the details.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A topic of that name exists already.
        public static let topicAlreadyExists = Code("topicAlreadyExists")
        /// The name differs from an existing topic's only by '.' against '_'.
        public static let topicNameCollision = Code("topicNameCollision")
        /// There is no topic of that name.
        public static let unknownTopic = Code("unknownTopic")
        /// The name breaks Kafka's topic naming rules.
        public static let invalidTopicName = Code("invalidTopicName")
        /// The partition count is below 1, or not above the current count.
        public static let invalidPartitionCount = Code("invalidPartitionCount")
        /// One config key was both set and removed in the same update.
        public static let conflictingConfigUpdate = Code("conflictingConfigUpdate")
        /// The database failed (I/O error, full disk, corrupt or newer file).
        public static let storage = Code("storage")

        /// The code's name, as in the static members.
        public var description: String { name }
    }

    private let reason: Reason

    /// A topic of that name exists already.
    ///
    /// - Parameter existing: the topic as stored, so that a caller can tell an identical retry from a conflict.
    public static func topicAlreadyExists(_ existing: TopicMetadata) -> Self {
        .init(reason: .topicAlreadyExists(existing))
    }

    /// The name differs from an existing topic's only by '.' against '_' (Kafka refuses these).
    ///
    /// - Parameters:
    ///   - name: the refused name.
    ///   - existing: the name of the topic it collides with.
    public static func topicNameCollision(_ name: String, existing: String) -> Self {
        .init(reason: .topicNameCollision(name: name, existing: existing))
    }

    /// There is no topic of that name.
    ///
    /// - Parameter name: the name asked for.
    public static func unknownTopic(_ name: String) -> Self { .init(reason: .unknownTopic(name)) }

    /// The name breaks Kafka's topic naming rules.
    ///
    /// - Parameters:
    ///   - name: the refused name.
    ///   - reason: which rule it breaks, as a sentence fragment.
    public static func invalidTopicName(_ name: String, reason: String) -> Self {
        .init(reason: .invalidTopicName(name, reason: reason))
    }

    /// The partition count is below 1 (`current` is `nil`), or not above the topic's current count.
    ///
    /// - Parameters:
    ///   - topic: the topic's name.
    ///   - requested: the refused count.
    ///   - current: the topic's current count, or `nil` at creation.
    public static func invalidPartitionCount(topic: String, requested: Int32, current: Int32?) -> Self {
        .init(reason: .invalidPartitionCount(topic: topic, requested: requested, current: current))
    }

    /// One config key was both set and removed in the same update.
    ///
    /// - Parameters:
    ///   - topic: the topic's name.
    ///   - keys: the keys named twice.
    public static func conflictingConfigUpdate(topic: String, keys: [String]) -> Self {
        .init(reason: .conflictingConfigUpdate(topic: topic, keys: keys.sorted()))
    }

    /// The database failed.
    ///
    /// - Parameter description: the underlying error, as text.
    public static func storage(_ description: String) -> Self { .init(reason: .storage(description)) }

    /// The kind of failure.
    public var code: Code {
        switch reason {
        case .topicAlreadyExists: .topicAlreadyExists
        case .topicNameCollision: .topicNameCollision
        case .unknownTopic: .unknownTopic
        case .invalidTopicName: .invalidTopicName
        case .invalidPartitionCount: .invalidPartitionCount
        case .conflictingConfigUpdate: .conflictingConfigUpdate
        case .storage: .storage
        }
    }

    /// The existing topic, for ``Code/topicAlreadyExists``; `nil` for every other code.
    public var existingTopic: TopicMetadata? {
        if case .topicAlreadyExists(let existing) = reason { existing } else { nil }
    }

    /// What was wrong and what to do about it, in one line for logs and Kafka error messages.
    public var description: String {
        switch reason {
        case .topicAlreadyExists(let existing):
            "topic \"\(existing.name)\" already exists with \(existing.partitionCount) partitions; "
                + "delete it first or use another name"
        case .topicNameCollision(let name, let existing):
            "topic name \"\(name)\" collides with existing topic \"\(existing)\": names that differ only by "
                + "'.' and '_' share metric names; use another name"
        case .unknownTopic(let name):
            "topic \"\(name)\" does not exist; create it first"
        case .invalidTopicName(let name, let why):
            "invalid topic name \"\(name.prefix(300))\": \(why)"
        case .invalidPartitionCount(let topic, let requested, nil):
            "invalid partition count \(requested) for topic \"\(topic)\": a topic needs at least 1 partition"
        case .invalidPartitionCount(let topic, let requested, let current?):
            "topic \"\(topic)\" has \(current) partitions; the new count \(requested) must be greater "
                + "(partitions can be added, never removed)"
        case .conflictingConfigUpdate(let topic, let keys):
            "config update for topic \"\(topic)\" both sets and removes \(keys.joined(separator: ", ")); "
                + "name each key once"
        case .storage(let underlying):
            "metadata database error: \(underlying); check the disk and the file <data-dir>/metadata.sqlite"
        }
    }
}
