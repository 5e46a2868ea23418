import Logging
import SpoolProtocol

/// DeleteShareGroupOffsets (92) v0: forgets a group's share-partitions of whole topics; the group's next fetch
/// starts them again from `share.auto.offset.reset`. Only for a group without members (NON_EMPTY_GROUP
/// otherwise, GROUP_ID_NOT_FOUND for an unknown or classic group); a topic that does not exist gets
/// UNKNOWN_TOPIC_OR_PARTITION. The deletions are one SQLite transaction, made before the answer.
struct DeleteShareGroupOffsetsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let access: ShareGroupOffsetsAccess
    let logger: Logger
    var shares: SharePartitionManager { access.shares }

    typealias Topic = DeleteShareGroupOffsetsResponse.DeleteShareGroupOffsetsResponseTopic

    func respond(_ request: DeleteShareGroupOffsetsRequest, context: RequestContext) async
        -> DeleteShareGroupOffsetsResponse
    {
        var response = DeleteShareGroupOffsetsResponse()
        if let refusal = access.refusalToChange(request.groupId, .delete, context: context) {
            response.errorCode = refusal.code.rawValue
            response.errorMessage = refusal.message
            return response
        }
        let names = TopicNames(catalog: shares.partitions.catalog)
        let known = Set(request.topics.map(\.topicName).filter { names.topicId($0) != nil })
        var storageFailed = false
        do {
            let count = try await shares.deleteStates(group: request.groupId, topics: known)
            logger.info("share-partition offsets deleted", metadata: [
                "group": "\(request.groupId)", "topics": "\(known.sorted())", "partitions": "\(count)",
            ])
        } catch {
            logger.error("share-partition offsets not deleted", metadata: ["group": "\(request.groupId)",
                                                                          "error": "\(error)"])
            storageFailed = true
        }
        response.responses = request.topics.map { topic in
            var result = Topic()
            result.topicName = topic.topicName
            if let id = names.topicId(topic.topicName) {
                result.topicId = id
                if storageFailed {
                    result.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
                    result.errorMessage = "the deletion was not saved"
                }
            } else {
                result.topicId = .zero
                result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                result.errorMessage = "topic \(topic.topicName) does not exist"
            }
            return result
        }
        return response
    }
}
