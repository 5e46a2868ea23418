import SpoolProtocol

extension Admin {
    /// A consumer group's members and, per partition, its committed offset, the log end offset and the lag:
    /// what `spool group describe` and the admin API's group page show.
    public struct GroupLag: Sendable, Hashable {
        /// One partition the group has a committed offset for or a member assigned to.
        public struct Partition: Sendable, Hashable, Encodable {
            /// The topic.
            public var topic: String
            /// The partition.
            public var partition: Int32
            /// The committed offset, nil when the group committed none.
            public var committedOffset: Int64?
            /// The log end offset (-1 when the broker did not give one).
            public var endOffset: Int64
            /// End offset minus committed offset (never negative), nil without a committed offset.
            public var lag: Int64?
            /// The member assigned the partition, if any.
            public var memberId: String?
            /// That member's client id.
            public var clientId: String?
            /// That member's host.
            public var host: String?
        }

        /// The group id.
        public var group: String
        /// Its state: Empty, Stable, PreparingRebalance, CompletingRebalance.
        public var state: String
        /// The chosen assignor, `-` when none.
        public var assignor: String
        /// The members with their assignments.
        public var members: [GroupDescription.Member]
        /// The sum of the partitions' lags (those with a committed offset).
        public var totalLag: Int64
        /// Every partition, sorted by topic and partition.
        public var partitions: [Partition]
    }

    /// A group's lag per partition, from its committed offsets and the log end offsets.
    /// - Parameter group: the group id.
    /// - Throws: `SpoolClientError.kafka` with GROUP_ID_NOT_FOUND when the broker knows no such group (Dead,
    ///   no members and no offsets, as kafka-consumer-groups decides), or the broker's refusal.
    public func groupLag(_ group: String) async throws(SpoolClientError) -> GroupLag {
        let described = try await describeGroup(group)
        let committed = try await client.committedOffsets(group: group, partitions: nil)
        if described.state == "Dead" && described.members.isEmpty && committed.isEmpty {
            throw .kafka(
                .groupIdNotFound, "describe group \(group)",
                message: "group \(group) does not exist: `spool group list` shows the groups there are")
        }
        var owners: [TopicPartition: GroupDescription.Member] = [:]
        for member in described.members { for partition in member.assignment { owners[partition] = member } }
        let partitions = Set(committed.keys).union(owners.keys).sorted {
            ($0.topic, $0.partition) < ($1.topic, $1.partition)
        }
        let ends =
            partitions.isEmpty
            ? [:]
            : try await client.listOffsets(
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaClient.latestTimestamp) }))
        let rows = partitions.map { partition in
            let end = ends[partition] ?? -1
            return GroupLag.Partition(
                topic: partition.topic, partition: partition.partition, committedOffset: committed[partition],
                endOffset: end, lag: committed[partition].map { max(end - $0, 0) },
                memberId: owners[partition]?.memberId, clientId: owners[partition]?.clientId,
                host: owners[partition]?.clientHost)
        }
        return GroupLag(
            group: group, state: described.state, assignor: described.assignor.isEmpty ? "-" : described.assignor,
            members: described.members, totalLag: rows.compactMap(\.lag).reduce(0, +), partitions: rows)
    }
}
