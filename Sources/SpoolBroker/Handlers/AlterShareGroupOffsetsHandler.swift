import Logging
import SpoolLog
import SpoolProtocol

/// AlterShareGroupOffsets (91) v0: sets share-partitions' start offsets, as `kafka-share-groups.sh
/// --reset-offsets` does. Only for a group without members (NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND for
/// an unknown or classic group); a partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION, a negative
/// offset INVALID_REQUEST. The altered share-partitions forget their in-flight records and are saved in one
/// SQLite transaction before the answer: all or none survive a crash.
struct AlterShareGroupOffsetsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let access: ShareGroupOffsetsAccess
    let logger: Logger
    var shares: SharePartitionManager { access.shares }

    typealias Topic = AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponseTopic
    typealias Partition = AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponsePartition

    func respond(_ request: AlterShareGroupOffsetsRequest, context: RequestContext) async
        -> AlterShareGroupOffsetsResponse
    {
        var response = AlterShareGroupOffsetsResponse()
        if let refusal = access.refusalToChange(request.groupId, .read, context: context) {
            response.errorCode = refusal.code.rawValue
            response.errorMessage = refusal.message
            return response
        }
        let names = TopicNames(catalog: shares.partitions.catalog)
        var codes: [TopicPartition: (KafkaErrorCode, String?)] = [:]
        var altering: [(TopicPartition, Int64)] = []
        for topic in request.topics {
            let entry = shares.partitions.catalog.topic(topic.topicName)
            for partition in topic.partitions {
                let target = TopicPartition(topic: topic.topicName, partition: partition.partitionIndex)
                if entry?.log(partition.partitionIndex) == nil {
                    codes[target] = (.unknownTopicOrPartition, "\(target) does not exist")
                } else if partition.startOffset < 0 {
                    codes[target] = (.invalidRequest, "start offset \(partition.startOffset) is negative")
                } else {
                    altering.append((target, partition.startOffset))
                }
            }
        }
        do {
            try await shares.alterStartOffsets(group: request.groupId, altering)
            for (target, offset) in altering {
                codes[target] = (KafkaErrorCode.none, nil)
                logger.info(
                    "share-partition start offset altered",
                    metadata: ["group": "\(request.groupId)", "partition": "\(target)", "startOffset": "\(offset)"])
            }
        } catch {
            logger.error("share-partition offsets not saved", metadata: ["group": "\(request.groupId)",
                                                                        "error": "\(error)"])
            for (target, _) in altering { codes[target] = (.kafkaStorageError, "the new offsets were not saved") }
        }
        response.responses = request.topics.map { topic in
            var result = Topic()
            result.topicName = topic.topicName
            result.topicId = names.topicId(topic.topicName) ?? .zero
            result.partitions = topic.partitions.map { partition in
                let outcome = codes[TopicPartition(topic: topic.topicName, partition: partition.partitionIndex)]
                var data = Partition()
                data.partitionIndex = partition.partitionIndex
                data.errorCode = (outcome?.0 ?? KafkaErrorCode.none).rawValue
                data.errorMessage = outcome?.1
                return data
            }
            return result
        }
        return response
    }
}
