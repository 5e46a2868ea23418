import SpoolProtocol

/// OffsetForLeaderEpoch (23): every partition has had one leader epoch, 0, ending at the log end offset.
/// librdkafka ≥ 2.1 validates consumer positions with this (v2); epochs above 0 are unknown.
struct OffsetForLeaderEpochHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...4

    let broker: BrokerState

    func respond(_ request: OffsetForLeaderEpochRequest, context: RequestContext) -> OffsetForLeaderEpochResponse {
        Self.handle(request, context: context, broker: broker)
    }

    static let unknownLeaderEpoch: Int16 = 74

    static func handle(_ request: OffsetForLeaderEpochRequest, context: RequestContext, broker: BrokerState)
        -> OffsetForLeaderEpochResponse
    {
        var response = OffsetForLeaderEpochResponse()
        for topic in request.topics {
            let entry = broker.catalog.topic(topic.topic)
            var result = OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult(topic: topic.topic)
            for partition in topic.partitions {
                var answer = OffsetForLeaderEpochResponse.EpochEndOffset(partition: partition.partition)
                if let log = entry?.log(partition.partition) {
                    if partition.currentLeaderEpoch > 0 {
                        answer.errorCode = unknownLeaderEpoch
                    } else if partition.leaderEpoch <= 0 {
                        answer.endOffset = log.logEndOffset
                        if context.version >= 1 { answer.leaderEpoch = 0 }
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
