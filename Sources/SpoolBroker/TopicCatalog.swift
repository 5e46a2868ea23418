import Foundation
import Logging
import NIOConcurrencyHelpers
import SpoolLog
import SpoolMetadata
import SpoolProtocol

/// A topic as the request path sees it: its metadata, its Kafka topic ID and one log per partition.
struct TopicEntry: Sendable {
    let metadata: TopicMetadata
    let topicId: KafkaUUID
    let logs: [PartitionLog]

    var name: String { metadata.name }

    func log(_ partition: Int32) -> PartitionLog? {
        partition >= 0 && Int(partition) < logs.count ? logs[Int(partition)] : nil
    }
}

/// The broker's topics: the metadata store (SQLite) is the record, and an in-memory map of name → logs
/// serves the produce and fetch paths without touching SQLite. Creation writes metadata first, then the
/// logs; deletion removes metadata first, then the files.
///
/// Thread-safe: a lock guards the map; creations and deletions are serialised by the store.
final class TopicCatalog: @unchecked Sendable {
    let store: any MetadataStore
    let logManager: LogManager
    let configuration: BrokerConfiguration
    private let logger: Logger
    private let lock = NIOLock()
    private var topics: [String: TopicEntry] = [:]

    init(store: any MetadataStore, logManager: LogManager, configuration: BrokerConfiguration, logger: Logger) {
        self.store = store
        self.logManager = logManager
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens every topic the store knows, creating any partition log that is missing on disk.
    func load() async throws {
        for metadata in try await store.topics() {
            try await install(metadata)
        }
        logger.info("loaded topics", metadata: ["topics": "\(lock.withLock { topics.count })"])
    }

    /// The topic named `name`, if it exists.
    func topic(_ name: String) -> TopicEntry? {
        lock.withLock { topics[name] }
    }

    /// The topic with Kafka topic ID `id`, if it exists.
    func topic(id: KafkaUUID) -> TopicEntry? {
        lock.withLock { topics.values.first { $0.topicId == id } }
    }

    /// Every topic, by name.
    var allTopics: [TopicEntry] {
        lock.withLock { topics.values.sorted { $0.name < $1.name } }
    }

    /// The topic, created with `num.partitions` when it is missing and auto-creation is on.
    /// - Returns: nil when the topic does not exist and may not be created.
    func topicCreatingIfAllowed(_ name: String, allowed: Bool) async throws -> TopicEntry? {
        if let existing = topic(name) { return existing }
        guard allowed, configuration.autoCreateTopics else { return nil }
        do {
            return try await createTopic(name: name, partitions: configuration.defaultPartitions, configs: [:])
        } catch let error as MetadataError where error.existingTopic != nil {
            return topic(name)
        }
    }

    /// Creates a topic: validated settings, metadata written durably, then one log per partition.
    /// - Throws: `MetadataError` (exists, bad name, bad partition count) or `BrokerError.invalidConfig`.
    @discardableResult
    func createTopic(name: String, partitions: Int32, configs: [String: String]) async throws -> TopicEntry {
        _ = try TopicConfigs.logConfig(defaults: configuration.logDefaults, overrides: configs)
        let metadata = try await store.createTopic(name: name, partitionCount: partitions, configs: configs)
        logger.info("created topic", metadata: ["topic": "\(name)", "partitions": "\(partitions)"])
        return try await install(metadata)
    }

    /// Deletes a topic's metadata, then its logs and files.
    /// - Throws: `MetadataError.unknownTopic` when there is no such topic.
    func deleteTopic(name: String) async throws {
        let metadata = try await store.deleteTopic(named: name)
        _ = lock.withLock { topics.removeValue(forKey: name) }
        for partition in 0..<Int(metadata.partitionCount) {
            try await logManager.deleteLog(TopicPartition(topic: name, partition: Int32(partition)))
        }
        logger.info("deleted topic", metadata: ["topic": "\(name)"])
    }

    /// Grows a topic to `count` partitions.
    func increasePartitions(name: String, to count: Int32) async throws -> TopicEntry {
        let metadata = try await store.increasePartitionCount(topic: name, to: count)
        return try await install(metadata)
    }

    /// Applies config changes to a topic and to its open logs.
    func alterConfigs(name: String, set: [String: String], remove: [String]) async throws -> TopicEntry {
        guard let current = topic(name) else { throw MetadataError.unknownTopic(name) }
        var merged = current.metadata.configs
        for key in remove { merged.removeValue(forKey: key) }
        merged.merge(set) { $1 }
        _ = try TopicConfigs.logConfig(defaults: configuration.logDefaults, overrides: merged)
        let metadata = try await store.alterTopicConfigs(topic: name, set: set, remove: Set(remove))
        return try await install(metadata)
    }

    /// Opens (or creates) the logs of `metadata` and publishes the entry.
    @discardableResult
    private func install(_ metadata: TopicMetadata) async throws -> TopicEntry {
        let logConfig = try TopicConfigs.logConfig(defaults: configuration.logDefaults, overrides: metadata.configs)
        var logs: [PartitionLog] = []
        for partition in 0..<Int(metadata.partitionCount) {
            let log = try await logManager.getOrCreateLog(
                TopicPartition(topic: metadata.name, partition: Int32(partition)), config: logConfig)
            try log.updateConfig(logConfig)
            logs.append(log)
        }
        let entry = TopicEntry(metadata: metadata, topicId: KafkaUUID(metadata.topicId), logs: logs)
        lock.withLock { topics[metadata.name] = entry }
        return entry
    }
}

extension KafkaUUID {
    /// The Kafka form of a Foundation UUID (the same 16 bytes, big-endian halves).
    init(_ uuid: UUID) {
        let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self.init(high: high, low: low)
    }
}
