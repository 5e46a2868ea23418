import SpoolLog
import SpoolProtocol

/// DeleteRecords (21): the partition layer moves each partition's log start offset forward (durably) and deletes
/// the segments below it; -1 means up to the high watermark. A topic whose cleanup.policy lacks delete refuses it
/// (POLICY_VIOLATION), as in Kafka.
struct DeleteRecordsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...2

    let partitions: PartitionManager

    func respond(_ request: DeleteRecordsRequest, context: RequestContext) async -> DeleteRecordsResponse {
        var response = DeleteRecordsResponse()
        for topic in request.topics {
            var result = DeleteRecordsResponse.DeleteRecordsTopicResult(name: topic.name)
            for partition in topic.partitions {
                var answer = DeleteRecordsResponse.DeleteRecordsPartitionResult(
                    partitionIndex: partition.partitionIndex, lowWatermark: -1, errorCode: 0)
                do {
                    try context.authorize(.delete, .topic(topic.name))
                    answer.lowWatermark = try await partitions.deleteRecords(
                        of: TopicPartition(topic: topic.name, partition: partition.partitionIndex),
                        before: partition.offset)
                } catch {
                    // DeleteRecords answers carry no message: the refusal log line is where it is read.
                    answer.errorCode = error.code.rawValue
                    context.refusals.refused(
                        context, resource: "partition \(topic.name)-\(partition.partitionIndex)", code: error.code,
                        reason: error.message)
                }
                result.partitions.append(answer)
            }
            response.topics.append(result)
        }
        return response
    }
}
