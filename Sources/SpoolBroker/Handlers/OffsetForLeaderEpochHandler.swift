import SpoolLog
import SpoolProtocol

/// OffsetForLeaderEpoch (23): the end offset of the leader epoch a client asks about, from the partition layer
/// (one epoch, 0, per partition so far, ending at the log end offset). librdkafka ≥ 2.1 validates consumer positions
/// with this (v2).
struct OffsetForLeaderEpochHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...4

    let partitions: PartitionManager

    func respond(_ request: OffsetForLeaderEpochRequest, context: RequestContext) -> OffsetForLeaderEpochResponse {
        var response = OffsetForLeaderEpochResponse()
        for topic in request.topics {
            var result = OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult(topic: topic.topic)
            for partition in topic.partitions {
                var answer = OffsetForLeaderEpochResponse.EpochEndOffset(partition: partition.partition)
                do {
                    try context.authorize(.describe, .topic(topic.topic))
                    if let end = try partitions.endOffset(
                        forLeaderEpoch: partition.leaderEpoch,
                        of: TopicPartition(topic: topic.topic, partition: partition.partition),
                        currentLeaderEpoch: partition.currentLeaderEpoch)
                    {
                        answer.endOffset = end.endOffset
                        if context.version >= 1 { answer.leaderEpoch = end.leaderEpoch }
                    }
                } catch {
                    answer.errorCode = error.code.rawValue
                }
                result.partitions.append(answer)
            }
            response.topics.append(result)
        }
        return response
    }
}
