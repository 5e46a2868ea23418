import SpoolLog
import SpoolProtocol

/// ListOffsets (2): -1 latest (the log end offset), -2 earliest (the log start offset), -3 the batch with the
/// largest timestamp, or the first batch whose timestamp reaches T.
struct ListOffsetsHandler: KafkaResponseHandler {
    // The minimum stays low because old librdkafka enables features by testing single versions
    // (ListOffsets 1 for offsets_for_times).
    static let versions: ClosedRange<Int16> = 0...7

    let broker: BrokerState

    func respond(_ request: ListOffsetsRequest, context: RequestContext) async -> ListOffsetsResponse {
        await Self.handle(request, context: context, broker: broker)
    }

    static let latest: Int64 = -1
    static let earliest: Int64 = -2
    static let maxTimestamp: Int64 = -3

    static func handle(_ request: ListOffsetsRequest, context: RequestContext, broker: BrokerState) async
        -> ListOffsetsResponse
    {
        var response = ListOffsetsResponse()
        for topic in request.topics {
            let entry = broker.catalog.topic(topic.name)
            var answer = ListOffsetsResponse.ListOffsetsTopicResponse(name: topic.name)
            for partition in topic.partitions {
                guard let log = entry?.log(partition.partitionIndex) else {
                    answer.partitions.append(
                        .init(partitionIndex: partition.partitionIndex, errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue))
                    continue
                }
                answer.partitions.append(
                    await lookup(partition, log: log, version: context.version, broker: broker))
            }
            response.topics.append(answer)
        }
        return response
    }

    private static func lookup(_ partition: ListOffsetsRequest.ListOffsetsPartition, log: PartitionLog,
                               version: Int16, broker: BrokerState) async
        -> ListOffsetsResponse.ListOffsetsPartitionResponse
    {
        // Fields a version does not have must keep their defaults: leader epoch from v4, timestamp and offset
        // from v1, the offsets array in v0 only.
        var answer = ListOffsetsResponse.ListOffsetsPartitionResponse(
            partitionIndex: partition.partitionIndex, errorCode: 0, timestamp: -1, offset: -1,
            leaderEpoch: version >= 4 ? 0 : -1)
        do {
            let found: TimestampOffset?
            switch partition.timestamp {
            case latest: found = TimestampOffset(timestamp: -1, offset: log.logEndOffset)
            case earliest: found = TimestampOffset(timestamp: -1, offset: log.logStartOffset)
            case maxTimestamp:
                found = try await broker.logManager.onIOThread { try log.maxTimestampOffset() }
            case let timestamp where timestamp >= 0:
                found = try await broker.logManager.onIOThread { try log.offset(forTimestamp: timestamp) }
            default:
                answer.errorCode = KafkaErrorCode.invalidRequest.rawValue
                return answer
            }
            if version == 0 {
                answer.oldStyleOffsets = found.map { [$0.offset] } ?? []
            } else if let found {
                answer.timestamp = found.timestamp
                answer.offset = found.offset
            }
        } catch {
            answer.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
        }
        return answer
    }
}
