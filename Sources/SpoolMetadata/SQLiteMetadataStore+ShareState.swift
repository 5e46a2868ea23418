import Foundation
import GRDB

/// What saving one share-partition's state came to.
public enum ShareStateSaveOutcome: Hashable, Sendable {
    /// The state is durable.
    case saved
    /// The topic does not exist (any more) or has no such partition: nothing was written for it.
    case unknownTopicOrPartition
}

/// Share groups' per-partition delivery state (KIP-932), durably. Thread-safe; every write is durable when its
/// call returns. ``SQLiteMetadataStore`` implements it, batching concurrent saves into one transaction.
public protocol ShareStateStore: Sendable {
    /// Saves share-partition states, replacing what was stored for each; one call's states commit together.
    ///
    /// - Parameter snapshots: the states, at most one per (group, topic, partition).
    /// - Returns: one outcome per snapshot, in order.
    /// - Throws: ``MetadataError`` `.storage`; then none of them was saved.
    func saveShareStates(_ snapshots: [SharePartitionSnapshot]) async throws -> [ShareStateSaveOutcome]

    /// The stored states of one share group, sorted by topic and partition.
    ///
    /// - Parameter groupId: the share group's id.
    /// - Returns: its share-partition states.
    /// - Throws: ``MetadataError`` `.storage`.
    func shareStates(groupId: String) async throws -> [SharePartitionSnapshot]

    /// Every stored share-partition state, sorted by group, topic and partition.
    ///
    /// - Returns: the states.
    /// - Throws: ``MetadataError`` `.storage`.
    func allShareStates() async throws -> [SharePartitionSnapshot]

    /// Deletes a share group's stored states, of one topic or of all.
    ///
    /// - Parameters:
    ///   - groupId: the share group's id.
    ///   - topic: only this topic's partitions; `nil` for every topic of the group.
    /// - Throws: ``MetadataError`` `.storage`.
    func deleteShareStates(groupId: String, topic: String?) async throws
}

/// Shares one transaction between concurrent share-state saves; an entry is one caller's snapshots.
typealias ShareStateBatcher = GroupCommitBatcher<[SharePartitionSnapshot], [ShareStateSaveOutcome]>

extension SQLiteMetadataStore: ShareStateStore {
    /// The most ranges one share-state transaction takes; the rest wait for the next round.
    static let maximumShareRangesPerTransaction = 200_000

    /// Saves share-partition states durably, replacing what was stored for each share-partition. Concurrent
    /// calls share one transaction (one fsync); one call's snapshots are committed together or not at all.
    /// A ``SharePartitionSnapshot/deletion(groupId:topic:partition:)`` removes the stored state instead; one
    /// call's deletions are applied before its saves.
    ///
    /// A ShareAcknowledge is answered after this returns, so this is on the acknowledgement path.
    ///
    /// - Parameter snapshots: the states, at most one per (group, topic, partition).
    /// - Returns: one outcome per snapshot, in order: states of unknown topics or partitions are not written.
    /// - Throws: ``MetadataError`` `.storage` when the transaction fails; then none of them was saved.
    public func saveShareStates(_ snapshots: [SharePartitionSnapshot]) async throws -> [ShareStateSaveOutcome] {
        if snapshots.isEmpty { return [] }
        let weight = snapshots.reduce(0) { $0 + 1 + $1.ranges.count }
        return try await shareStateBatcher.submit(snapshots, weight: weight)
    }

    /// Writes several callers' snapshots inside one transaction; the batcher calls it.
    static func writeShareStateBatch(
        _ db: Database, _ entries: [[SharePartitionSnapshot]]
    ) throws -> [[ShareStateSaveOutcome]] {
        var partitions = KnownPartitions()
        let statement = try db.cachedStatement(sql: """
            INSERT INTO share_partition_state (group_id, topic_name, partition, state_epoch, start_offset, ranges)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (group_id, topic_name, partition) DO UPDATE SET
                state_epoch = excluded.state_epoch, start_offset = excluded.start_offset, ranges = excluded.ranges
            """)
        let delete = try db.cachedStatement(sql: """
            DELETE FROM share_partition_state WHERE group_id = ? AND topic_name = ? AND partition = ?
            """)
        return try entries.map { snapshots in
            // Deletions first: a share-partition deleted and then created again in one round ends up saved.
            for snapshot in snapshots where snapshot.isDeletion {
                try delete.execute(arguments: [snapshot.groupId, snapshot.topic, snapshot.partition])
            }
            return try snapshots.map { snapshot -> ShareStateSaveOutcome in
                if snapshot.isDeletion { return .saved }
                guard try partitions.contains(db, snapshot.topic, snapshot.partition) else {
                    return .unknownTopicOrPartition
                }
                try statement.execute(arguments: [
                    snapshot.groupId, snapshot.topic, snapshot.partition, snapshot.stateEpoch, snapshot.startOffset,
                    Data(snapshot.encodedRanges()),
                ])
                return .saved
            }
        }
    }

    /// The stored states of one share group, sorted by topic and partition.
    ///
    /// - Parameter groupId: the share group's id.
    /// - Returns: its share-partition states.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read or a row cannot be decoded.
    public func shareStates(groupId: String) async throws -> [SharePartitionSnapshot] {
        try await read { db in
            try Self.fetchShareStates(
                db, sql: "SELECT * FROM share_partition_state WHERE group_id = ? ORDER BY topic_name, partition",
                arguments: [groupId])
        }
    }

    /// Every stored share-partition state, sorted by group, topic and partition (what a broker loads at start).
    ///
    /// - Returns: the states.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read or a row cannot be decoded.
    public func allShareStates() async throws -> [SharePartitionSnapshot] {
        try await read { db in
            try Self.fetchShareStates(
                db, sql: "SELECT * FROM share_partition_state ORDER BY group_id, topic_name, partition",
                arguments: [])
        }
    }

    /// Deletes a share group's stored states (DeleteShareGroupOffsets, DeleteGroups), in one transaction.
    ///
    /// - Parameters:
    ///   - groupId: the share group's id.
    ///   - topic: only this topic's partitions; `nil` for every topic of the group.
    /// - Throws: ``MetadataError`` `.storage`.
    public func deleteShareStates(groupId: String, topic: String? = nil) async throws {
        try await write { db in
            if let topic {
                try db.execute(
                    sql: "DELETE FROM share_partition_state WHERE group_id = ? AND topic_name = ?",
                    arguments: [groupId, topic])
            } else {
                try db.execute(sql: "DELETE FROM share_partition_state WHERE group_id = ?", arguments: [groupId])
            }
        }
    }

    private static func fetchShareStates(
        _ db: Database, sql: String, arguments: StatementArguments
    ) throws -> [SharePartitionSnapshot] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let rangeBytes: Data = try row.decode(forColumn: "ranges")
            return SharePartitionSnapshot(
                groupId: try row.decode(forColumn: "group_id"), topic: try row.decode(forColumn: "topic_name"),
                partition: try row.decode(forColumn: "partition"),
                stateEpoch: try row.decode(forColumn: "state_epoch"),
                startOffset: try row.decode(forColumn: "start_offset"),
                ranges: try SharePartitionSnapshot.decodeRanges(Array(rangeBytes)))
        }
    }
}
