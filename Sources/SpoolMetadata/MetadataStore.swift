import Foundation

/// The broker's durable metadata: topics (names, topic IDs, partition counts, config overrides) and
/// producer ids for idempotent producers.
///
/// The broker speaks to this protocol rather than to SQLite so that a networked engine (PostgreSQL, etcd)
/// can replace ``SQLiteMetadataStore`` when several brokers share metadata. Every write is durable when
/// its call returns. Implementations must be thread-safe: one store is shared by every connection.
///
/// Errors are ``MetadataError`` values; an implementation may also let `CancellationError` through when
/// the calling task is cancelled before the operation ran.
public protocol MetadataStore: Sendable {
    /// Creates a topic with a new random topic ID and stamps its creation time.
    ///
    /// - Parameters:
    ///   - name: the topic name; Kafka-legal (see ``TopicName/validate(_:)``).
    ///   - partitionCount: how many partitions the topic has, at least 1.
    ///   - configs: per-topic config overrides by their Kafka names (`retention.ms`, `cleanup.policy`, …).
    ///     Values are stored as given: checking them belongs to the broker.
    /// - Returns: the topic as stored.
    /// - Throws: ``MetadataError`` `.invalidTopicName`, `.invalidPartitionCount`, `.topicAlreadyExists`
    ///   (carrying the existing topic), `.topicNameCollision`, or `.storage`.
    func createTopic(name: String, partitionCount: Int32, configs: [String: String]) async throws -> TopicMetadata

    /// Looks a topic up by name.
    ///
    /// - Parameter name: the topic name.
    /// - Returns: the topic, or `nil` when there is no topic of that name.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    func topic(named name: String) async throws -> TopicMetadata?

    /// Looks a topic up by its topic ID.
    ///
    /// - Parameter id: the topic ID handed out when the topic was created.
    /// - Returns: the topic, or `nil` when no topic has that ID.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    func topic(id: UUID) async throws -> TopicMetadata?

    /// Every topic, sorted by name.
    ///
    /// - Returns: all topics with their configs.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    func topics() async throws -> [TopicMetadata]

    /// Deletes a topic and everything the metadata database holds for it (its configs, its committed offsets),
    /// and records the deletion's intent (see ``pendingTopicDeletions()``) in the same transaction. The topic's
    /// partition logs are the caller's to remove.
    ///
    /// - Parameter name: the topic name.
    /// - Returns: the topic as it was before the deletion.
    /// - Throws: ``MetadataError`` `.unknownTopic` when there is no such topic, or `.storage`.
    func deleteTopic(named name: String) async throws -> TopicMetadata

    /// The topic IDs of deletions whose partition directories may still be on disk: ``deleteTopic(named:)``
    /// records each in the transaction that deletes the topic.
    ///
    /// - Returns: the IDs.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    func pendingTopicDeletions() async throws -> [UUID]

    /// Forgets deletions whose partition directories the caller has removed.
    ///
    /// - Parameter ids: the deleted topics' IDs.
    /// - Throws: ``MetadataError`` `.storage`.
    func completeTopicDeletions(_ ids: [UUID]) async throws

    /// Lowers a topic's partition count from `from` back to `count` (undoing a CreatePartitions whose logs
    /// could not be made); does nothing when the count is no longer `from`.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - from: the count the failed change set.
    ///   - count: the count before it.
    /// - Throws: ``MetadataError`` `.unknownTopic`, or `.storage`.
    func revertPartitionCount(topic name: String, from: Int32, to count: Int32) async throws

    /// Raises a topic's partition count (Kafka's CreatePartitions). Partitions are never removed.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - newCount: the new total number of partitions; must be greater than the current count.
    /// - Returns: the topic after the change.
    /// - Throws: ``MetadataError`` `.unknownTopic`, `.invalidPartitionCount` when `newCount` is not greater
    ///   than the current count, or `.storage`.
    func increasePartitionCount(topic name: String, to newCount: Int32) async throws -> TopicMetadata

    /// Changes some of a topic's config overrides in one transaction (Kafka's IncrementalAlterConfigs):
    /// keys in `set` are added or replaced, keys in `remove` go back to the broker default.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - set: config keys to add or overwrite, with their new values.
    ///   - remove: config keys to delete; removing a key that is not set is not an error.
    /// - Returns: the topic after the change.
    /// - Throws: ``MetadataError`` `.unknownTopic`, `.conflictingConfigUpdate` when a key is both set and
    ///   removed, or `.storage`. Nothing is changed when it throws.
    func alterTopicConfigs(
        topic name: String, set: [String: String], remove: Set<String>
    ) async throws -> TopicMetadata

    /// Hands out a producer id for an idempotent or transactional producer (Kafka's InitProducerId).
    ///
    /// No id is ever handed out twice, across restarts and to concurrent callers: the counter is
    /// persisted in the same transaction that reserves the id.
    ///
    /// - Returns: a fresh producer id and its first epoch, 0.
    /// - Throws: ``MetadataError`` `.storage` when the counter cannot be advanced durably.
    func allocateProducerId() async throws -> (producerId: Int64, producerEpoch: Int16)
}

extension MetadataStore {
    /// Creates a topic with no config overrides.
    ///
    /// - Parameters:
    ///   - name: the topic name; Kafka-legal (see ``TopicName/validate(_:)``).
    ///   - partitionCount: how many partitions the topic has, at least 1.
    /// - Returns: the topic as stored.
    /// - Throws: as ``MetadataStore/createTopic(name:partitionCount:configs:)``.
    public func createTopic(name: String, partitionCount: Int32) async throws -> TopicMetadata {
        try await createTopic(name: name, partitionCount: partitionCount, configs: [:])
    }
}
