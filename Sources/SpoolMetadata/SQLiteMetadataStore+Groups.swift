import GRDB

extension SQLiteMetadataStore: GroupMetadataStore {
    /// Commits offsets of one group durably; concurrent calls share one transaction (one fsync).
    ///
    /// - Parameters:
    ///   - groupId: the group id.
    ///   - offsets: the offsets, at most one per partition.
    /// - Returns: one outcome per offset, in order: offsets of unknown topics or partitions are not written.
    /// - Throws: ``MetadataError`` `.storage` when the transaction fails; then nothing was committed.
    public func commitOffsets(groupId: String, offsets: [CommittedOffset]) async throws -> [OffsetCommitOutcome] {
        try await commitBatcher.commit(groupId: groupId, offsets: offsets)
    }

    /// Writes several callers' offsets inside one transaction; the batcher calls it.
    static func writeOffsetBatch(
        _ db: Database, _ entries: [OffsetCommitEntry]
    ) throws -> [[OffsetCommitOutcome]] {
        var partitions = KnownPartitions()
        let statement = try db.cachedStatement(sql: """
            INSERT INTO committed_offset
                (group_id, topic_name, partition, committed_offset, leader_epoch, metadata, commit_timestamp_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (group_id, topic_name, partition) DO UPDATE SET
                committed_offset = excluded.committed_offset, leader_epoch = excluded.leader_epoch,
                metadata = excluded.metadata, commit_timestamp_ms = excluded.commit_timestamp_ms
            """)
        return try entries.map { entry in
            try entry.offsets.map { offset -> OffsetCommitOutcome in
                guard try partitions.contains(db, offset.topic, offset.partition) else {
                    return .unknownTopicOrPartition
                }
                try statement.execute(arguments: [
                    entry.groupId, offset.topic, offset.partition, offset.offset, offset.leaderEpoch,
                    offset.metadata, offset.commitTimestampMs,
                ])
                return .committed
            }
        }
    }

    /// A group's committed offsets, sorted by topic and partition.
    ///
    /// - Parameter groupId: the group id.
    /// - Returns: every committed offset of the group.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func committedOffsets(groupId: String) async throws -> [CommittedOffset] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT topic_name, partition, committed_offset, leader_epoch, metadata, commit_timestamp_ms
                    FROM committed_offset WHERE group_id = ? ORDER BY topic_name, partition
                    """,
                arguments: [groupId]
            ).map { row in
                CommittedOffset(
                    topic: try row.decode(forColumn: "topic_name"), partition: try row.decode(forColumn: "partition"),
                    offset: try row.decode(forColumn: "committed_offset"),
                    leaderEpoch: try row.decode(forColumn: "leader_epoch"),
                    metadata: try row.decode(forColumn: "metadata"),
                    commitTimestampMs: try row.decode(forColumn: "commit_timestamp_ms"))
            }
        }
    }

    /// Deletes some committed offsets of a group.
    ///
    /// - Parameters:
    ///   - groupId: the group id.
    ///   - partitions: topic and partition pairs; pairs without an offset are ignored.
    /// - Throws: ``MetadataError`` `.storage`.
    public func deleteOffsets(groupId: String, partitions: [(topic: String, partition: Int32)]) async throws {
        let topics = partitions.map(\.topic)
        let indexes = partitions.map(\.partition)
        try await write { db in
            for (topic, partition) in zip(topics, indexes) {
                try db.execute(
                    sql: "DELETE FROM committed_offset WHERE group_id = ? AND topic_name = ? AND partition = ?",
                    arguments: [groupId, topic, partition])
            }
        }
    }

    /// Saves (inserts or replaces) what a group keeps across restarts.
    ///
    /// - Parameter group: the group.
    /// - Throws: ``MetadataError`` `.storage`.
    public func saveGroup(_ group: StoredGroup) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO consumer_group
                        (group_id, protocol_type, generation_id, protocol_name, leader_id, state_timestamp_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    group.groupId, group.protocolType, group.generationId, group.protocolName, group.leaderId,
                    group.stateTimestampMs,
                ])
        }
    }

    /// Deletes groups with their committed offsets, in one transaction.
    ///
    /// - Parameter groupIds: the group ids; unknown ones are ignored.
    /// - Throws: ``MetadataError`` `.storage`.
    public func deleteGroups(_ groupIds: [String]) async throws {
        try await write { db in
            for groupId in groupIds {
                try db.execute(sql: "DELETE FROM committed_offset WHERE group_id = ?", arguments: [groupId])
                try db.execute(sql: "DELETE FROM consumer_group WHERE group_id = ?", arguments: [groupId])
            }
        }
    }

    /// Every stored group, plus a bare entry for each group that only has committed offsets, by group id.
    ///
    /// - Returns: the groups.
    /// - Throws: ``MetadataError`` `.storage`.
    public func groups() async throws -> [StoredGroup] {
        try await read { db in
            var groups: [String: StoredGroup] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM consumer_group") {
                let group = StoredGroup(
                    groupId: try row.decode(forColumn: "group_id"),
                    protocolType: try row.decode(forColumn: "protocol_type"),
                    generationId: try row.decode(forColumn: "generation_id"),
                    protocolName: try row.decode(forColumn: "protocol_name"),
                    leaderId: try row.decode(forColumn: "leader_id"),
                    stateTimestampMs: try row.decode(forColumn: "state_timestamp_ms"))
                groups[group.groupId] = group
            }
            let offsetGroups = try Row.fetchAll(
                db, sql: "SELECT group_id, max(commit_timestamp_ms) AS at FROM committed_offset GROUP BY group_id")
            for row in offsetGroups {
                let groupId: String = try row.decode(forColumn: "group_id")
                guard groups[groupId] == nil else { continue }
                groups[groupId] = StoredGroup(
                    groupId: groupId, protocolType: nil, generationId: 0, protocolName: nil, leaderId: nil,
                    stateTimestampMs: try row.decode(forColumn: "at"))
            }
            return groups.values.sorted { $0.groupId < $1.groupId }
        }
    }

    /// Deletes committed offsets older than `cutoffMs` of the given (empty) groups.
    ///
    /// - Parameters:
    ///   - groupIds: the groups whose offsets may expire.
    ///   - cutoffMs: the oldest time kept, in milliseconds since the epoch.
    /// - Returns: the ids of those groups left with no offsets.
    /// - Throws: ``MetadataError`` `.storage`.
    public func expireOffsets(groupIds: [String], olderThan cutoffMs: Int64) async throws -> [String] {
        try await write { db in
            var emptied: [String] = []
            for groupId in groupIds {
                let stateTimestamp = try Int64.fetchOne(
                    db, sql: "SELECT state_timestamp_ms FROM consumer_group WHERE group_id = ?",
                    arguments: [groupId]) ?? Int64.min
                guard stateTimestamp < cutoffMs else { continue }
                try db.execute(
                    sql: "DELETE FROM committed_offset WHERE group_id = ? AND commit_timestamp_ms < ?",
                    arguments: [groupId, cutoffMs])
                let left = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM committed_offset WHERE group_id = ?", arguments: [groupId]) ?? 0
                if left == 0 { emptied.append(groupId) }
            }
            return emptied
        }
    }
}

/// Which topic partitions exist, looked up once per topic inside one transaction.
struct KnownPartitions {
    private var partitionCounts: [String: Int32?] = [:]

    /// Whether `topic` exists and has `partition`.
    mutating func contains(_ db: Database, _ topic: String, _ partition: Int32) throws -> Bool {
        let count: Int32?
        if let known = partitionCounts[topic] {
            count = known
        } else {
            count = try Int32.fetchOne(db, sql: "SELECT partition_count FROM topic WHERE name = ?", arguments: [topic])
            partitionCounts[topic] = count
        }
        guard let count else { return false }
        return partition >= 0 && partition < count
    }
}
