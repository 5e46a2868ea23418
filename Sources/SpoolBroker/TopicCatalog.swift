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
/// serves the produce and fetch paths without touching SQLite.
///
/// Crash consistency: creation writes metadata first, then the logs (each directory bound to the topic ID), so
/// a crash in between is completed at start-up; a creation that fails is rolled back. Deletion removes the
/// metadata and records its intent in one transaction, renames every partition directory out of the namespace
/// before answering, and removes the files; start-up finishes what a crash cut short and never adopts a
/// directory bound to another topic ID. Partition counts are reserved against `max.partitions` before anything
/// is written.
///
/// Thread-safe: a lock guards the map and the partition count; creations and deletions are serialised by the store.
final class TopicCatalog: @unchecked Sendable {
    let store: any MetadataStore
    let logManager: LogManager
    /// The settings the broker runs with: those it started with, with the log defaults a SIGHUP reloaded.
    var configuration: BrokerConfiguration { lock.withLock { live } }
    /// The most partitions the broker holds (`max.partitions`, or derived from the open-file limit).
    let maximumPartitions: Int
    private let logger: Logger
    private let lock = NIOLock()
    private var topics: [String: TopicEntry] = [:]
    /// Topic names by topic ID, beside `topics`: requests that name topics by ID (Metadata v12+, the share APIs)
    /// look one up per partition.
    private var namesById: [KafkaUUID: String] = [:]
    private var live: BrokerConfiguration
    /// Partitions of every topic plus those reserved by creations in progress.
    private var partitionsHeld = 0

    init(store: any MetadataStore, logManager: LogManager, configuration: BrokerConfiguration, maximumPartitions: Int,
         logger: Logger)
    {
        self.store = store
        self.logManager = logManager
        self.live = configuration
        self.maximumPartitions = maximumPartitions
        self.logger = logger
    }

    /// Which topic owns each partition directory, and which deletions are pending, as the store records them:
    /// what the log manager may adopt at start-up.
    static func claims(in store: any MetadataStore) async throws -> PartitionClaims {
        var owners: [TopicPartition: String] = [:]
        for topic in try await store.topics() {
            let id = Self.directoryTopicId(topic.topicId)
            for partition in 0..<topic.partitionCount {
                owners[TopicPartition(topic: topic.name, partition: partition)] = id
            }
        }
        let deleted = Set(try await store.pendingTopicDeletions().map(Self.directoryTopicId))
        return PartitionClaims(topicIds: owners, deletedTopicIds: deleted)
    }

    /// The topic ID as a partition directory's `partition.metadata` holds it.
    static func directoryTopicId(_ id: UUID) -> String { KafkaUUID(id).description }

    /// Opens every topic the store knows, creating any partition log that is missing on disk (a creation a crash
    /// cut short), then forgets the deletions start-up finished.
    func load() async throws {
        let all = try await store.topics()
        let held = all.reduce(0) { $0 + Int($1.partitionCount) }
        lock.withLock { partitionsHeld = held }
        for metadata in all {
            try await install(metadata)
            if InternalTopicName.isReserved(metadata.name) {
                logger.warning(
                    "topic has a name reserved for internal topics: reads are served, writes refused",
                    metadata: ["topic": "\(metadata.name)"])
            }
        }
        // The log manager removed every directory of these before it opened.
        try await store.completeTopicDeletions(try await store.pendingTopicDeletions())
        logger.info(
            "loaded topics",
            metadata: ["topics": "\(all.count)", "partitions": "\(held)", "maxPartitions": "\(maximumPartitions)"])
    }

    /// The topic named `name`, if it exists.
    func topic(_ name: String) -> TopicEntry? {
        lock.withLock { topics[name] }
    }

    /// The topic with Kafka topic ID `id`, if it exists.
    func topic(id: KafkaUUID) -> TopicEntry? {
        lock.withLock { namesById[id].flatMap { topics[$0] } }
    }

    /// Every topic, by name.
    var allTopics: [TopicEntry] {
        lock.withLock { topics.values.sorted { $0.name < $1.name } }
    }

    /// How many partitions the broker holds, with those being created.
    var partitionCount: Int { lock.withLock { partitionsHeld } }

    /// The topic, created with `num.partitions` when it is missing and auto-creation is on.
    /// - Returns: nil when the topic does not exist and may not be created.
    func topicCreatingIfAllowed(_ name: String, allowed: Bool) async throws -> TopicEntry? {
        if let existing = topic(name) { return existing }
        guard allowed, configuration.autoCreateTopics, !InternalTopicName.isReserved(name) else { return nil }
        do {
            return try await createTopic(name: name, partitions: configuration.defaultPartitions, configs: [:])
        } catch let error as MetadataError where error.existingTopic != nil {
            return topic(name)
        }
    }

    /// Creates a topic: validated settings, partitions reserved against `max.partitions`, metadata written
    /// durably, then one log per partition. When a log cannot be made, the metadata and the logs already made
    /// are removed again and the error is thrown.
    /// - Throws: `MetadataError` (exists, bad name, bad partition count) or `BrokerError` (invalid config, a name
    ///   reserved for internal topics, or POLICY_VIOLATION when the broker would hold more than `max.partitions`).
    @discardableResult
    func createTopic(name: String, partitions: Int32, configs: [String: String]) async throws -> TopicEntry {
        try InternalTopicName.checkCreatable(name)
        _ = try TopicConfigs.logConfig(defaults: configuration.logDefaults, overrides: configs)
        try reserve(Int(partitions), for: name)
        let metadata: TopicMetadata
        do {
            metadata = try await store.createTopic(name: name, partitionCount: partitions, configs: configs)
        } catch {
            release(Int(partitions))
            throw error
        }
        do {
            let entry = try await install(metadata)
            logger.info("created topic", metadata: ["topic": "\(name)", "partitions": "\(partitions)"])
            return entry
        } catch {
            logger.error(
                "could not create the topic's logs; rolling the creation back",
                metadata: ["topic": "\(name)", "partitions": "\(partitions)", "error": "\(error)"])
            try await removeTopic(metadata)
            throw error
        }
    }

    /// Deletes a topic: its metadata (with the deletion's intent), then its partition directories, renamed out of
    /// the namespace before this returns.
    /// - Throws: `MetadataError.unknownTopic` when there is no such topic.
    func deleteTopic(name: String) async throws {
        let metadata = try await store.deleteTopic(named: name)
        lock.withLock { if let removed = topics.removeValue(forKey: name) { namesById[removed.topicId] = nil } }
        try await removeLogs(metadata, partitions: 0..<metadata.partitionCount)
        logger.info("deleted topic", metadata: ["topic": "\(name)"])
    }

    /// Grows a topic to `count` partitions, the new ones reserved against `max.partitions` first; when a new log
    /// cannot be made, the count and the new logs are taken back and the error thrown.
    func increasePartitions(name: String, to count: Int32) async throws -> TopicEntry {
        guard let current = topic(name) else { throw MetadataError.unknownTopic(name) }
        let before = Int32(current.logs.count)
        let added = Int(count) - Int(before)
        if added > 0 { try reserve(added, for: name) }
        let metadata: TopicMetadata
        do {
            metadata = try await store.increasePartitionCount(topic: name, to: count)
        } catch {
            if added > 0 { release(added) }
            throw error
        }
        do {
            return try await install(metadata)
        } catch {
            logger.error(
                "could not create the new partitions' logs; rolling the change back",
                metadata: ["topic": "\(name)", "partitions": "\(count)", "error": "\(error)"])
            try await store.revertPartitionCount(topic: name, from: count, to: before)
            let partitions = (Int(before)..<Int(count)).map { TopicPartition(topic: name, partition: Int32($0)) }
            try await logManager.deleteLogs(partitions, tag: "rollback")
            release(added)
            throw error
        }
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

    /// Makes `defaults` the broker's log defaults (`log.retention.ms`, `log.segment.bytes`, ...) while it runs, and
    /// applies them to the open logs of every topic, under each topic's own overrides: what SIGHUP reloads.
    /// - Returns: how many topics' logs were updated.
    /// - Throws: `BrokerError` INVALID_CONFIG when `defaults` is invalid under some topic's overrides; nothing is
    ///   changed then.
    @discardableResult
    func reloadLogDefaults(_ defaults: LogConfig) throws(BrokerError) -> Int {
        let entries = lock.withLock { Array(topics.values) }
        var planned: [(PartitionLog, LogConfig)] = []
        for entry in entries {
            let config = try TopicConfigs.logConfig(defaults: defaults, overrides: entry.metadata.configs)
            planned += entry.logs.map { ($0, config) }
        }
        lock.withLock { live.logDefaults = defaults }
        for (log, config) in planned {
            do {
                try log.updateConfig(config)
            } catch {
                throw .invalidConfig("\(error)")
            }
        }
        return entries.count
    }

    /// Takes `count` partitions from the broker's budget, or refuses with POLICY_VIOLATION naming the limit.
    private func reserve(_ count: Int, for topic: String) throws(BrokerError) {
        let held: Int? = lock.withLock {
            guard partitionsHeld + count <= maximumPartitions else { return partitionsHeld }
            partitionsHeld += count
            return nil
        }
        if let held {
            throw BrokerError(
                code: .policyViolation,
                message: "topic \"\(topic)\" needs \(count) partitions, but the broker holds \(held) of at most "
                    + "\(maximumPartitions) (max.partitions): delete topics or raise max.partitions")
        }
    }

    private func release(_ count: Int) {
        lock.withLock { partitionsHeld -= count }
    }

    /// Undoes a creation: the metadata goes (with the deletion's intent), then the logs made so far.
    private func removeTopic(_ metadata: TopicMetadata) async throws {
        _ = try await store.deleteTopic(named: metadata.name)
        lock.withLock {
            if let removed = topics.removeValue(forKey: metadata.name) { namesById[removed.topicId] = nil }
        }
        try await removeLogs(metadata, partitions: 0..<metadata.partitionCount)
    }

    /// Removes the directories of a deleted topic's partitions and then the deletion's intent, and gives the
    /// partitions back to the budget.
    private func removeLogs(_ metadata: TopicMetadata, partitions: Range<Int32>) async throws {
        let tag = Self.directoryTopicId(metadata.topicId).filter { $0 != "-" }
        try await logManager.deleteLogs(
            partitions.map { TopicPartition(topic: metadata.name, partition: $0) }, tag: tag)
        release(partitions.count)
        try await store.completeTopicDeletions([metadata.topicId])
    }

    /// Opens (or creates) the logs of `metadata` and publishes the entry. New logs are made without an fsync
    /// each and made durable by one file-system sync before the entry is published: the metadata, written first,
    /// already says they exist, so a crash before the sync is completed at start-up.
    @discardableResult
    private func install(_ metadata: TopicMetadata) async throws -> TopicEntry {
        let logConfig = try TopicConfigs.logConfig(defaults: configuration.logDefaults, overrides: metadata.configs)
        let topicId = Self.directoryTopicId(metadata.topicId)
        var logs: [PartitionLog] = []
        var created = false
        for partition in 0..<Int(metadata.partitionCount) {
            let topicPartition = TopicPartition(topic: metadata.name, partition: Int32(partition))
            created = created || logManager.log(for: topicPartition) == nil
            let log = try await logManager.getOrCreateLog(
                topicPartition, config: logConfig, topicId: topicId, durably: false)
            try log.updateConfig(logConfig)
            logs.append(log)
        }
        if created { try await logManager.syncFileSystem() }
        let entry = TopicEntry(metadata: metadata, topicId: KafkaUUID(metadata.topicId), logs: logs)
        lock.withLock {
            topics[metadata.name] = entry
            namesById[entry.topicId] = metadata.name
        }
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
