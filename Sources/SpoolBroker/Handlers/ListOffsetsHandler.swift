import SpoolLog
import SpoolProtocol

/// ListOffsets (2): -1 latest (the high watermark; the last stable offset for read_committed), -2 earliest (the log
/// start offset), -3 the first record with the largest timestamp, or the first record whose timestamp reaches T;
/// the partition layer looks them up.
struct ListOffsetsHandler: KafkaResponseHandler {
    // The minimum stays low because old librdkafka enables features by testing single versions
    // (ListOffsets 1 for offsets_for_times).
    static let versions: ClosedRange<Int16> = 0...7

    let partitions: PartitionManager

    func respond(_ request: ListOffsetsRequest, context: RequestContext) async -> ListOffsetsResponse {
        var response = ListOffsetsResponse()
        for topic in request.topics {
            var answer = ListOffsetsResponse.ListOffsetsTopicResponse(name: topic.name)
            let denial = context.denial(.describe, .topic(topic.name))
            for partition in topic.partitions {
                if let denial {
                    answer.partitions.append(.init(
                        partitionIndex: partition.partitionIndex, errorCode: denial.rawValue, timestamp: -1, offset: -1,
                        leaderEpoch: -1))
                    continue
                }
                answer.partitions.append(
                    await lookup(
                        partition, of: topic.name, version: context.version,
                        readCommitted: request.isolationLevel == 1))
            }
            response.topics.append(answer)
        }
        return response
    }

    private func lookup(_ partition: ListOffsetsRequest.ListOffsetsPartition, of topic: String, version: Int16,
                        readCommitted: Bool) async -> ListOffsetsResponse.ListOffsetsPartitionResponse
    {
        let topicPartition = TopicPartition(topic: topic, partition: partition.partitionIndex)
        // Fields a version does not have must keep their defaults: leader epoch from v4, timestamp and offset
        // from v1, the offsets array in v0 only.
        var answer = ListOffsetsResponse.ListOffsetsPartitionResponse(
            partitionIndex: partition.partitionIndex, errorCode: 0, timestamp: -1, offset: -1, leaderEpoch: -1)
        guard let spec = PartitionManager.OffsetSpec(listOffsetsTimestamp: partition.timestamp) else {
            answer.errorCode = KafkaErrorCode.invalidRequest.rawValue
            return answer
        }
        do {
            let found = try await partitions.offset(
                spec, of: topicPartition, currentLeaderEpoch: partition.currentLeaderEpoch,
                readCommitted: readCommitted)
            if version >= 4 { answer.leaderEpoch = partitions.state(of: topicPartition)?.leaderEpoch ?? -1 }
            if version == 0 {
                answer.oldStyleOffsets = found.map { [$0.offset] } ?? []
            } else if let found {
                answer.timestamp = found.timestamp
                answer.offset = found.offset
            }
        } catch {
            answer.errorCode = error.code.rawValue
        }
        return answer
    }
}
