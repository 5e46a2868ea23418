import GRDB

/// One group's committed offset of one partition.
public struct GroupCommittedOffset: Sendable, Equatable {
    /// The group id.
    public var groupId: String
    /// The topic name.
    public var topic: String
    /// The partition index.
    public var partition: Int32
    /// The next offset the group reads.
    public var offset: Int64
}

extension SQLiteMetadataStore {
    /// Every group's committed offsets in one read, for consumer-group lag on `/metrics`: one query instead of
    /// one per group, read from a WAL snapshot so that it never waits for a commit.
    ///
    /// - Returns: the offsets, sorted by group, topic and partition.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    public func allCommittedOffsets() async throws -> [GroupCommittedOffset] {
        try await read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT group_id, topic_name, partition, committed_offset FROM committed_offset
                    ORDER BY group_id, topic_name, partition
                    """)
            var offsets: [GroupCommittedOffset] = []
            while let row = try rows.next() {
                offsets.append(GroupCommittedOffset(
                    groupId: try row.decode(forColumn: "group_id"), topic: try row.decode(forColumn: "topic_name"),
                    partition: try row.decode(forColumn: "partition"),
                    offset: try row.decode(forColumn: "committed_offset")))
            }
            return offsets
        }
    }
}
