import SpoolProtocol

extension KafkaClient {
    /// The log start offset (latest earliest).
    public static let earliestTimestamp: Int64 = -2
    /// The log end offset (the high watermark).
    public static let latestTimestamp: Int64 = -1

    /// Looks up offsets with ListOffsets, one request per leader: for each partition, the first offset whose
    /// timestamp is at least the given one, or `earliestTimestamp` / `latestTimestamp` for the log's ends.
    /// - Parameter query: per partition, a timestamp in milliseconds or one of the two special values.
    /// - Returns: per partition, the offset, or -1 when no record is that new.
    /// - Throws: `SpoolClientError.kafka` with the first partition's error, or a connection error.
    public func listOffsets(_ query: [TopicPartition: Int64]) async throws(SpoolClientError) -> [TopicPartition: Int64]
    {
        var byLeader: [Int32: [TopicPartition]] = [:]
        for partition in query.keys { byLeader[try await leader(of: partition), default: []].append(partition) }
        var result: [TopicPartition: Int64] = [:]
        for (leader, partitions) in byLeader {
            let topics = Dictionary(grouping: partitions, by: \.topic).map { topic, parts in
                ListOffsetsRequest.ListOffsetsTopic(
                    name: topic,
                    partitions: parts.map { .init(partitionIndex: $0.partition, timestamp: query[$0] ?? -1) })
            }
            let response = try await send(to: leader, maximumVersion: 7, as: ListOffsetsResponse.self) { _ in
                ListOffsetsRequest(replicaId: -1, topics: topics)
            }
            for topic in response.topics {
                for partition in topic.partitions {
                    let key = TopicPartition(topic.name, partition.partitionIndex)
                    guard partition.errorCode == 0 else {
                        if partition.errorCode == KafkaErrorCode.notLeaderOrFollower.rawValue {
                            invalidate(topic: topic.name)
                        }
                        throw .kafka(KafkaErrorCode(partition.errorCode), "list offsets of \(key)")
                    }
                    result[key] = partition.oldStyleOffsets.first ?? partition.offset
                }
            }
        }
        return result
    }
}
