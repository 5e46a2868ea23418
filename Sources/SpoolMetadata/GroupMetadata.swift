/// One committed offset of a consumer group: where the group resumes reading a partition.
/// A plain value: thread-safe to copy.
public struct CommittedOffset: Sendable, Equatable, Codable {
    /// The topic name.
    public var topic: String
    /// The partition index.
    public var partition: Int32
    /// The next offset the group reads.
    public var offset: Int64
    /// The leader epoch the consumer last saw, or -1.
    public var leaderEpoch: Int32
    /// The consumer's free-form metadata (may be nil).
    public var metadata: String?
    /// When the broker accepted the commit, in milliseconds since the epoch.
    public var commitTimestampMs: Int64

    /// - Parameters:
    ///   - topic: the topic name.
    ///   - partition: the partition index.
    ///   - offset: the next offset the group reads.
    ///   - leaderEpoch: the leader epoch the consumer last saw, or -1.
    ///   - metadata: the consumer's metadata.
    ///   - commitTimestampMs: the commit time in milliseconds since the epoch.
    public init(
        topic: String, partition: Int32, offset: Int64, leaderEpoch: Int32 = -1, metadata: String? = nil,
        commitTimestampMs: Int64
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestampMs = commitTimestampMs
    }
}

/// What a consumer group keeps across restarts besides its offsets. A plain value.
public struct StoredGroup: Sendable, Equatable {
    /// The group id.
    public var groupId: String
    /// The protocol type members joined with ("consumer"), or nil for a group that only has offsets.
    public var protocolType: String?
    /// The last generation handed out.
    public var generationId: Int32
    /// The protocol chosen in that generation (e.g. "range").
    public var protocolName: String?
    /// The leader's member id in that generation.
    public var leaderId: String?
    /// When the group last changed state, in milliseconds since the epoch.
    public var stateTimestampMs: Int64

    /// - Parameters:
    ///   - groupId: the group id.
    ///   - protocolType: the protocol type, or nil.
    ///   - generationId: the last generation.
    ///   - protocolName: the chosen protocol, or nil.
    ///   - leaderId: the leader's member id, or nil.
    ///   - stateTimestampMs: when the group last changed state.
    public init(
        groupId: String, protocolType: String?, generationId: Int32, protocolName: String?, leaderId: String?,
        stateTimestampMs: Int64
    ) {
        self.groupId = groupId
        self.protocolType = protocolType
        self.generationId = generationId
        self.protocolName = protocolName
        self.leaderId = leaderId
        self.stateTimestampMs = stateTimestampMs
    }
}

/// The result of committing one offset.
public enum OffsetCommitOutcome: Sendable, Equatable {
    /// Durable.
    case committed
    /// The topic does not exist (any more) or has no such partition: nothing was written for it.
    case unknownTopicOrPartition
}

/// Consumer groups and their committed offsets, durably. Thread-safe; every write is durable when its
/// call returns. ``SQLiteMetadataStore`` implements it, batching concurrent commits into one transaction.
public protocol GroupMetadataStore: Sendable {
    /// Commits offsets of one group. Concurrent calls may share one transaction.
    ///
    /// - Parameters:
    ///   - groupId: the group id.
    ///   - offsets: the offsets, at most one per partition.
    /// - Returns: one outcome per offset, in order.
    /// - Throws: ``MetadataError`` `.storage` when the transaction fails; then nothing was committed.
    func commitOffsets(groupId: String, offsets: [CommittedOffset]) async throws -> [OffsetCommitOutcome]

    /// A group's committed offsets, sorted by topic and partition.
    ///
    /// - Parameter groupId: the group id.
    /// - Returns: every committed offset of the group.
    /// - Throws: ``MetadataError`` `.storage` when the database cannot be read.
    func committedOffsets(groupId: String) async throws -> [CommittedOffset]

    /// Deletes some committed offsets of a group.
    ///
    /// - Parameters:
    ///   - groupId: the group id.
    ///   - partitions: topic and partition pairs; pairs without an offset are ignored.
    /// - Throws: ``MetadataError`` `.storage`.
    func deleteOffsets(groupId: String, partitions: [(topic: String, partition: Int32)]) async throws

    /// Saves (inserts or replaces) what a group keeps across restarts.
    ///
    /// - Parameter group: the group.
    /// - Throws: ``MetadataError`` `.storage`.
    func saveGroup(_ group: StoredGroup) async throws

    /// Deletes groups with their committed offsets.
    ///
    /// - Parameter groupIds: the group ids; unknown ones are ignored.
    /// - Throws: ``MetadataError`` `.storage`.
    func deleteGroups(_ groupIds: [String]) async throws

    /// Every stored group, plus a bare entry (protocol type nil, generation 0) for each group that only has
    /// committed offsets, sorted by group id.
    ///
    /// - Returns: the groups.
    /// - Throws: ``MetadataError`` `.storage`.
    func groups() async throws -> [StoredGroup]

    /// Deletes committed offsets older than `cutoffMs` of the given groups (Kafka's offsets.retention.minutes
    /// for empty groups): an offset goes when both its commit time and its group's state time are older.
    ///
    /// - Parameters:
    ///   - groupIds: the groups whose offsets may expire (the empty ones).
    ///   - cutoffMs: the oldest time kept, in milliseconds since the epoch.
    /// - Returns: the ids of groups left with no offsets.
    /// - Throws: ``MetadataError`` `.storage`.
    func expireOffsets(groupIds: [String], olderThan cutoffMs: Int64) async throws -> [String]
}
