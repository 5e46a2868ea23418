import SpoolLog
import SpoolProtocol

/// DeleteRecords (21): moves each partition's log start offset forward (durably) and deletes the segments
/// below it; -1 means up to the high watermark (the log end offset).
struct DeleteRecordsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...2

    let broker: BrokerState

    func respond(_ request: DeleteRecordsRequest, context: RequestContext) async -> DeleteRecordsResponse {
        await Self.handle(request, context: context, broker: broker)
    }

    static func handle(_ request: DeleteRecordsRequest, context: RequestContext, broker: BrokerState) async
        -> DeleteRecordsResponse
    {
        var response = DeleteRecordsResponse()
        for topic in request.topics {
            let entry = broker.catalog.topic(topic.name)
            var result = DeleteRecordsResponse.DeleteRecordsTopicResult(name: topic.name)
            for partition in topic.partitions {
                var answer = DeleteRecordsResponse.DeleteRecordsPartitionResult(
                    partitionIndex: partition.partitionIndex, lowWatermark: -1, errorCode: 0)
                if let log = entry?.log(partition.partitionIndex) {
                    let offset = partition.offset
                    do {
                        answer.lowWatermark = try await broker.logManager.onIOThread {
                            try log.deleteRecords(before: offset)
                        }
                    } catch let error as LogError where error.isOffsetOutOfRange {
                        answer.errorCode = KafkaErrorCode.offsetOutOfRange.rawValue
                    } catch {
                        answer.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
                    }
                } else {
                    answer.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                }
                result.partitions.append(answer)
            }
            response.topics.append(result)
        }
        return response
    }
}
