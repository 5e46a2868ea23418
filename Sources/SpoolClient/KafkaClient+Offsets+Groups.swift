import SpoolProtocol

extension KafkaClient {
    /// The node id of a consumer group's coordinator (FindCoordinator), whose address joins the broker map.
    /// - Parameter group: the group id.
    /// - Throws: `SpoolClientError.kafka` (COORDINATOR_NOT_AVAILABLE, ...), or a connection error.
    public func coordinator(for group: String) async throws(SpoolClientError) -> Int32 {
        let response = try await send(maximumVersion: 3, as: FindCoordinatorResponse.self) { _ in
            FindCoordinatorRequest(key: group, keyType: 0)
        }
        guard response.errorCode == 0 else {
            throw .kafka(
                KafkaErrorCode(response.errorCode), "find the coordinator of group \(group)",
                message: response.errorMessage)
        }
        setBroker(response.nodeId, .init(nodeId: response.nodeId, host: response.host, port: Int(response.port)))
        return response.nodeId
    }

    /// A group's committed offsets (OffsetFetch), for the given partitions or for all it has.
    /// - Parameters:
    ///   - group: the group id.
    ///   - partitions: the partitions to look up, or nil for every partition the group committed.
    /// - Returns: per partition, the committed offset; partitions without a commit are left out.
    /// - Throws: `SpoolClientError.kafka` with the group's or a partition's error.
    public func committedOffsets(
        group: String, partitions: [TopicPartition]?
    ) async throws(SpoolClientError) -> [TopicPartition: Int64] {
        let coordinator = try await coordinator(for: group)
        let topics = partitions.map { list in
            Dictionary(grouping: list, by: \.topic).map {
                OffsetFetchRequest.OffsetFetchRequestTopic(name: $0.key, partitionIndexes: $0.value.map(\.partition))
            }
        }
        let response = try await send(to: coordinator, maximumVersion: 7, as: OffsetFetchResponse.self) {
            version throws(SpoolClientError) in
            guard topics != nil || version >= 2 else {
                throw .invalidArgument("listing all of a group's offsets needs OffsetFetch v2 or later")
            }
            return OffsetFetchRequest(groupId: group, topics: topics)
        }
        guard response.errorCode == 0 else {
            throw .kafka(KafkaErrorCode(response.errorCode), "fetch the offsets of group \(group)")
        }
        var result: [TopicPartition: Int64] = [:]
        for topic in response.topics {
            for partition in topic.partitions {
                let key = TopicPartition(topic.name, partition.partitionIndex)
                guard partition.errorCode == 0 else {
                    throw .kafka(KafkaErrorCode(partition.errorCode), "fetch the offset of \(key) for group \(group)")
                }
                if partition.committedOffset >= 0 { result[key] = partition.committedOffset }
            }
        }
        return result
    }

    /// Commits offsets for a group (OffsetCommit). A consumer outside the group protocol (assign) commits
    /// with generation -1 and no member id, as Kafka allows for groups without members.
    /// - Parameters:
    ///   - group: the group id.
    ///   - offsets: per partition, the offset of the next record to consume.
    ///   - generationId: the group generation, or -1.
    ///   - memberId: the member id, or empty.
    /// - Throws: `SpoolClientError.kafka` with the first partition's error (ILLEGAL_GENERATION,
    ///   UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, ...).
    public func commitOffsets(
        group: String, offsets: [TopicPartition: Int64], generationId: Int32 = -1, memberId: String = ""
    ) async throws(SpoolClientError) {
        guard !offsets.isEmpty else { return }
        let coordinator = try await coordinator(for: group)
        let topics = Dictionary(grouping: offsets, by: \.key.topic).map { name, entries in
            OffsetCommitRequest.OffsetCommitRequestTopic(
                name: name,
                partitions: entries.map { .init(partitionIndex: $0.key.partition, committedOffset: $0.value) })
        }
        let response = try await send(to: coordinator, maximumVersion: 8, as: OffsetCommitResponse.self) { _ in
            OffsetCommitRequest(
                groupId: group, generationIdOrMemberEpoch: generationId, memberId: memberId, topics: topics)
        }
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode != 0 {
                throw .kafka(
                    KafkaErrorCode(partition.errorCode),
                    "commit the offset of \(topic.name)-\(partition.partitionIndex) for group \(group)")
            }
        }
    }
}
