import SpoolProtocol

extension Admin {
    /// One share-partition of a share group: its start offset and, from a Spool broker, its record counts.
    public struct ShareGroupPartitionOffset: Sendable, Hashable {
        /// The topic-partition.
        public var partition: TopicPartition
        /// The share-partition start offset (SPSO); -1 when the group has no state for the partition.
        public var startOffset: Int64
        /// Records available, acquired, acknowledged, archived and dead-lettered, and the oldest available
        /// record's age: Spool's tagged field, nil from a broker that does not send it.
        public var stats: SharePartitionStats?
    }

    /// A share group's share-partitions (DescribeShareGroupOffsets): start offsets and, from Spool, counts.
    ///
    /// - Parameters:
    ///   - group: the share group's id.
    ///   - partitions: only these partitions; nil for every partition the group has state for.
    /// - Returns: the share-partitions, sorted by topic and partition.
    /// - Throws: `SpoolClientError.kafka` (GROUP_ID_NOT_FOUND for an unknown or classic group).
    public func describeShareGroupOffsets(_ group: String, partitions: [TopicPartition]? = nil)
        async throws(SpoolClientError) -> [ShareGroupPartitionOffset]
    {
        let coordinator = try await client.coordinator(for: group)
        let topics = partitions.map { partitions in
            Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map {
                DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestTopic(
                    topicName: $0.key, partitions: $0.value.map(\.partition).sorted())
            }
        }
        let response = try await client.send(
            to: coordinator, maximumVersion: 0, as: DescribeShareGroupOffsetsResponse.self
        ) { _ in
            DescribeShareGroupOffsetsRequest(groups: [.init(groupId: group, topics: topics)])
        }
        guard let described = response.groups.first(where: { $0.groupId == group }) else {
            throw .protocolViolation("DescribeShareGroupOffsets left out group \(group)")
        }
        guard described.errorCode == 0 else {
            throw .kafka(KafkaErrorCode(described.errorCode), "describe share group offsets of \(group)")
        }
        var offsets: [ShareGroupPartitionOffset] = []
        for topic in described.topics {
            for partition in topic.partitions {
                if partition.errorCode != 0 {
                    throw .kafka(KafkaErrorCode(partition.errorCode), "\(topic.topicName)-\(partition.partitionIndex)")
                }
                offsets.append(ShareGroupPartitionOffset(
                    partition: TopicPartition(topic.topicName, partition.partitionIndex),
                    startOffset: partition.startOffset,
                    stats: SharePartitionStats(taggedFields: partition.unknownTaggedFields)))
            }
        }
        return offsets.sorted {
            ($0.partition.topic, $0.partition.partition) < ($1.partition.topic, $1.partition.partition)
        }
    }
}

extension Admin {
    /// A share group's state and members with their assignments (ShareGroupDescribe).
    /// - Parameter group: the share group's id.
    /// - Returns: the group as `GroupDescription` (protocol type `share`; the assignor is the broker's).
    /// - Throws: `SpoolClientError.kafka` (GROUP_ID_NOT_FOUND for an unknown group).
    public func describeShareGroup(_ group: String) async throws(SpoolClientError) -> GroupDescription {
        let coordinator = try await client.coordinator(for: group)
        let response = try await client.send(to: coordinator, maximumVersion: 1, as: ShareGroupDescribeResponse.self) {
            _ in ShareGroupDescribeRequest(groupIds: [group])
        }
        guard let described = response.groups.first(where: { $0.groupId == group }) else {
            throw .protocolViolation("ShareGroupDescribe left out group \(group)")
        }
        guard described.errorCode == 0 else {
            throw .kafka(
                KafkaErrorCode(described.errorCode), "describe share group \(group)", message: described.errorMessage)
        }
        let members = described.members.map { member in
            GroupDescription.Member(
                memberId: member.memberId, clientId: member.clientId, clientHost: member.clientHost,
                assignment: member.assignment.topicPartitions.flatMap { topic in
                    topic.partitions.sorted().map { TopicPartition(topic.topicName, $0) }
                })
        }
        return GroupDescription(
            groupId: described.groupId, state: described.groupState, protocolType: "share",
            assignor: described.assignorName, members: members)
    }
}
