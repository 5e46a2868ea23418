import Foundation
import GRDB

extension SQLiteMetadataStore {
    /// Creates a topic with a new random topic ID, in one transaction with its configs.
    ///
    /// - Parameters:
    ///   - name: the topic name; Kafka-legal (see ``TopicName/validate(_:)``).
    ///   - partitionCount: how many partitions the topic has, at least 1.
    ///   - configs: per-topic config overrides by their Kafka names, stored as given.
    /// - Returns: the topic as stored; reading it back gives an equal value.
    /// - Throws: ``MetadataError`` `.invalidTopicName`, `.invalidPartitionCount`, `.topicAlreadyExists`
    ///   (carrying the existing topic), `.topicNameCollision`, or `.storage`.
    public func createTopic(
        name: String, partitionCount: Int32, configs: [String: String]
    ) async throws -> TopicMetadata {
        try TopicName.validate(name)
        guard partitionCount >= 1 else {
            throw MetadataError.invalidPartitionCount(topic: name, requested: partitionCount, current: nil)
        }
        let topic = TopicMetadata(
            name: name, topicId: TopicID.random(), partitionCount: partitionCount, configs: configs,
            createdAt: TopicRows.date(milliseconds: TopicRows.milliseconds(Date())))
        return try await write { db in
            if let existing = try TopicRows.fetch(db, name: name) {
                throw MetadataError.topicAlreadyExists(existing)
            }
            let collisionKey = TopicName.collisionKey(name)
            if let other = try String.fetchOne(
                db, sql: "SELECT name FROM topic WHERE collision_key = ?", arguments: [collisionKey])
            {
                throw MetadataError.topicNameCollision(name, existing: other)
            }
            try db.execute(
                sql: """
                    INSERT INTO topic (name, collision_key, topic_id, partition_count, created_at_ms)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    name, collisionKey, TopicID.bytes(of: topic.topicId), partitionCount,
                    TopicRows.milliseconds(topic.createdAt),
                ])
            try TopicRows.upsertConfigs(db, topic: name, configs: configs)
            return topic
        }
    }

    /// Looks a topic up by name.
    ///
    /// - Parameter name: the topic name.
    /// - Returns: the topic, or `nil` when there is no topic of that name.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func topic(named name: String) async throws -> TopicMetadata? {
        try await read { db in try TopicRows.fetch(db, name: name) }
    }

    /// Looks a topic up by its topic ID.
    ///
    /// - Parameter id: the topic ID handed out when the topic was created.
    /// - Returns: the topic, or `nil` when no topic has that ID.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func topic(id: UUID) async throws -> TopicMetadata? {
        try await read { db in
            let name = try String.fetchOne(
                db, sql: "SELECT name FROM topic WHERE topic_id = ?", arguments: [TopicID.bytes(of: id)])
            guard let name else { return nil }
            return try TopicRows.fetch(db, name: name)
        }
    }

    /// Every topic, sorted by name, read from one snapshot.
    ///
    /// - Returns: all topics with their configs.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func topics() async throws -> [TopicMetadata] {
        try await read { db in
            var configsByTopic: [String: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT topic_name, key, value FROM topic_config") {
                let topic: String = try row.decode(forColumn: "topic_name")
                configsByTopic[topic, default: [:]][try row.decode(forColumn: "key")] = try row.decode(
                    forColumn: "value")
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM topic ORDER BY name").map { row in
                try TopicRows.topic(row, configs: configsByTopic[try row.decode(forColumn: "name")] ?? [:])
            }
        }
    }

    /// Deletes a topic; its configs go with it through the foreign key's `ON DELETE CASCADE`, as will
    /// every table that references `topic(name)` the same way (committed offsets, later).
    ///
    /// - Parameter name: the topic name.
    /// - Returns: the topic as it was before the deletion.
    /// - Throws: ``MetadataError`` `.unknownTopic` when there is no such topic, or `.storage`.
    public func deleteTopic(named name: String) async throws -> TopicMetadata {
        try await write { db in
            let topic = try TopicRows.fetchExisting(db, name: name)
            try db.execute(sql: "DELETE FROM topic WHERE name = ?", arguments: [name])
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO topic_deletion (topic_id, name, partition_count, deleted_at_ms)
                    VALUES (?, ?, ?, ?)
                    """,
                arguments: [
                    TopicID.bytes(of: topic.topicId), name, topic.partitionCount,
                    TopicRows.milliseconds(Date()),
                ])
            return topic
        }
    }

    /// The topic IDs of deletions whose partition directories may still be on disk.
    ///
    /// - Returns: the IDs, in no particular order.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func pendingTopicDeletions() async throws -> [UUID] {
        try await read { db in
            try Data.fetchAll(db, sql: "SELECT topic_id FROM topic_deletion").compactMap(TopicID.uuid(bytes:))
        }
    }

    /// Forgets deletions whose partition directories are gone.
    ///
    /// - Parameter ids: the deleted topics' IDs.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be written.
    public func completeTopicDeletions(_ ids: [UUID]) async throws {
        guard !ids.isEmpty else { return }
        try await write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM topic_deletion WHERE topic_id = ?", arguments: [TopicID.bytes(of: id)])
            }
        }
    }

    /// Lowers a topic's partition count back to `count`, undoing a CreatePartitions whose logs could not be
    /// made; only when the count is still `from`, so that a concurrent change is never undone.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - from: the count the failed change set.
    ///   - count: the count before it.
    /// - Throws: ``MetadataError`` `.unknownTopic`, or `.storage`.
    public func revertPartitionCount(topic name: String, from: Int32, to count: Int32) async throws {
        try await write { db in
            _ = try TopicRows.fetchExisting(db, name: name)
            try db.execute(
                sql: "UPDATE topic SET partition_count = ? WHERE name = ? AND partition_count = ?",
                arguments: [count, name, from])
        }
    }

    /// Raises a topic's partition count.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - newCount: the new total number of partitions; must be greater than the current count.
    /// - Returns: the topic after the change.
    /// - Throws: ``MetadataError`` `.unknownTopic`, `.invalidPartitionCount` when `newCount` is not greater
    ///   than the current count, or `.storage`.
    public func increasePartitionCount(topic name: String, to newCount: Int32) async throws -> TopicMetadata {
        try await write { db in
            var topic = try TopicRows.fetchExisting(db, name: name)
            guard newCount > topic.partitionCount else {
                throw MetadataError.invalidPartitionCount(
                    topic: name, requested: newCount, current: topic.partitionCount)
            }
            try db.execute(
                sql: "UPDATE topic SET partition_count = ? WHERE name = ?", arguments: [newCount, name])
            topic.partitionCount = newCount
            return topic
        }
    }

    /// Sets and removes config overrides of one topic in one transaction.
    ///
    /// - Parameters:
    ///   - name: the topic name.
    ///   - set: config keys to add or overwrite, with their new values.
    ///   - remove: config keys to delete; removing a key that is not set is not an error.
    /// - Returns: the topic after the change.
    /// - Throws: ``MetadataError`` `.unknownTopic`, `.conflictingConfigUpdate` when a key is both set and
    ///   removed, or `.storage`. Nothing is changed when it throws.
    public func alterTopicConfigs(
        topic name: String, set: [String: String], remove: Set<String>
    ) async throws -> TopicMetadata {
        let conflicts = remove.filter { set[$0] != nil }
        guard conflicts.isEmpty else {
            throw MetadataError.conflictingConfigUpdate(topic: name, keys: Array(conflicts))
        }
        return try await write { db in
            var topic = try TopicRows.fetchExisting(db, name: name)
            for key in remove.sorted() {
                try db.execute(
                    sql: "DELETE FROM topic_config WHERE topic_name = ? AND key = ?", arguments: [name, key])
                topic.configs[key] = nil
            }
            try TopicRows.upsertConfigs(db, topic: name, configs: set)
            topic.configs.merge(set) { _, new in new }
            return topic
        }
    }
}

/// Reading and writing the `topic` and `topic_config` rows. Functions of a `Database` the caller holds.
enum TopicRows {
    static func fetch(_ db: Database, name: String) throws -> TopicMetadata? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM topic WHERE name = ?", arguments: [name]) else {
            return nil
        }
        var configs: [String: String] = [:]
        let configRows = try Row.fetchAll(
            db, sql: "SELECT key, value FROM topic_config WHERE topic_name = ?", arguments: [name])
        for configRow in configRows {
            configs[try configRow.decode(forColumn: "key")] = try configRow.decode(forColumn: "value")
        }
        return try topic(row, configs: configs)
    }

    static func fetchExisting(_ db: Database, name: String) throws -> TopicMetadata {
        guard let topic = try fetch(db, name: name) else { throw MetadataError.unknownTopic(name) }
        return topic
    }

    static func topic(_ row: Row, configs: [String: String]) throws -> TopicMetadata {
        let name: String = try row.decode(forColumn: "name")
        let idBytes: Data = try row.decode(forColumn: "topic_id")
        guard let topicId = TopicID.uuid(bytes: idBytes) else {
            throw MetadataError.storage("topic \"\(name)\" has a topic ID of \(idBytes.count) bytes instead of 16")
        }
        return TopicMetadata(
            name: name, topicId: topicId, partitionCount: try row.decode(forColumn: "partition_count"),
            configs: configs, createdAt: date(milliseconds: try row.decode(forColumn: "created_at_ms")))
    }

    static func upsertConfigs(_ db: Database, topic: String, configs: [String: String]) throws {
        // Sorted so that the rows are written in the same order every time, which keeps tests repeatable.
        for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
            try db.execute(
                sql: """
                    INSERT INTO topic_config (topic_name, key, value) VALUES (?, ?, ?)
                    ON CONFLICT (topic_name, key) DO UPDATE SET value = excluded.value
                    """,
                arguments: [topic, key, value])
        }
    }

    /// Milliseconds since the Unix epoch, rounded down, as Kafka keeps times.
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
