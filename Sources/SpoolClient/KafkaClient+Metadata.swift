import SpoolProtocol

extension KafkaClient {
    /// Asks a broker for the cluster's brokers and the named topics (all topics when `topics` is nil),
    /// and refreshes the cache with the answer.
    /// - Parameters:
    ///   - topics: topic names, or nil for every topic.
    ///   - allowAutoTopicCreation: whether the broker may create missing topics; the configuration's
    ///     setting when nil.
    /// - Throws: `SpoolClientError` when no broker answers.
    public func metadata(
        topics: [String]?, allowAutoTopicCreation: Bool? = nil
    ) async throws(SpoolClientError) -> ClusterMetadata {
        let autoCreate = allowAutoTopicCreation ?? configuration.allowAutoTopicCreation
        let response = try await send(maximumVersion: 12, as: MetadataResponse.self) { version in
            MetadataRequest(
                topics: topics.map { $0.map { MetadataRequest.MetadataRequestTopic(name: $0) } },
                allowAutoTopicCreation: version >= 4 ? autoCreate : true)
        }
        let metadata = Self.clusterMetadata(response)
        absorb(metadata)
        return metadata
    }

    private static func clusterMetadata(_ response: MetadataResponse) -> ClusterMetadata {
        var brokers: [Int32: ClusterMetadata.Broker] = [:]
        for broker in response.brokers {
            brokers[broker.nodeId] = .init(nodeId: broker.nodeId, host: broker.host, port: Int(broker.port))
        }
        var topics: [String: ClusterMetadata.Topic] = [:]
        for topic in response.topics {
            guard let name = topic.name else { continue }
            let partitions = topic.partitions.map {
                ClusterMetadata.Partition(
                    index: $0.partitionIndex, leaderId: $0.leaderId, leaderEpoch: $0.leaderEpoch,
                    replicas: $0.replicaNodes, isr: $0.isrNodes, error: KafkaErrorCode($0.errorCode))
            }.sorted { $0.index < $1.index }
            topics[name] = .init(
                name: name, topicId: Self.hex(topic.topicId), isInternal: topic.isInternal,
                partitions: partitions, error: KafkaErrorCode(topic.errorCode))
        }
        return ClusterMetadata(
            brokers: brokers, clusterId: response.clusterId, controllerId: response.controllerId, topics: topics)
    }

    static func hex(_ id: KafkaUUID) -> String {
        let high = String(id.high, radix: 16)
        let low = String(id.low, radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count)
            + low
    }

    private func absorb(_ metadata: ClusterMetadata) {
        for (id, broker) in metadata.brokers { setBroker(id, broker) }
        for (name, topic) in metadata.topics {
            if topic.error == .none { cacheTopic(name, topic) } else { cacheTopic(name, nil) }
        }
    }

    /// The cached topic, or a fresh Metadata answer for it.
    /// - Parameters:
    ///   - topic: the topic's name.
    ///   - refresh: ask the broker even when the topic is cached.
    /// - Throws: `SpoolClientError.kafka` with the topic's error (UNKNOWN_TOPIC_OR_PARTITION when it does
    ///   not exist), or a connection error.
    public func topicMetadata(_ topic: String, refresh: Bool = false) async throws(SpoolClientError)
        -> ClusterMetadata.Topic
    {
        if !refresh, let cached = cachedTopic(topic) { return cached }
        let metadata = try await metadata(topics: [topic])
        guard let answer = metadata.topics[topic] else { throw .kafka(.unknownTopicOrPartition, "topic \(topic)") }
        guard answer.error == .none else { throw .kafka(answer.error, "topic \(topic)") }
        guard !answer.partitions.isEmpty else { throw .kafka(.init(5), "topic \(topic) has no partitions yet") }
        return answer
    }

    /// The node id of a partition's leader.
    /// - Throws: `SpoolClientError.kafka` (LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION).
    func leader(of partition: TopicPartition, refresh: Bool = false) async throws(SpoolClientError) -> Int32 {
        let topic = try await topicMetadata(partition.topic, refresh: refresh)
        guard let entry = topic.partitions.first(where: { $0.index == partition.partition }) else {
            throw .kafka(.unknownTopicOrPartition, "partition \(partition)")
        }
        guard entry.leaderId >= 0 else { throw .kafka(.init(5), "partition \(partition)") }
        return entry.leaderId
    }

    /// Drops a topic from the cache so that the next use asks a broker.
    /// - Parameter topic: the topic's name.
    public func invalidate(topic: String) { cacheTopic(topic, nil) }
}
