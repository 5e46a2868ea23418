import Logging
import SpoolMetadata
import SpoolProtocol

/// OffsetDelete (47): deletes committed offsets of a group, except those of topics its members are still
/// subscribed to (GROUP_SUBSCRIBED_TO_TOPIC).
struct OffsetDeleteHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...0

    let groups: GroupCoordinator
    let catalog: TopicCatalog
    let groupStore: any GroupMetadataStore
    let logger: Logger

    func respond(_ request: OffsetDeleteRequest, context: RequestContext) async
        -> OffsetDeleteResponse
    {
        if let error = GroupRequests.refusal(request.groupId, .delete, context: context) {
            return OffsetDeleteResponse(errorCode: error.rawValue)
        }
        guard let group = groups.group(request.groupId), group.phase != .dead else {
            return OffsetDeleteResponse(errorCode: KafkaErrorCode.groupIdNotFound.rawValue)
        }
        var subscribed = Set<String>()
        if !group.members.isEmpty {
            guard group.protocolType == "consumer" else {
                return OffsetDeleteResponse(errorCode: KafkaErrorCode.nonEmptyGroup.rawValue)
            }
            for member in group.members.values {
                subscribed.formUnion(ConsumerProtocol.subscribedTopics(member.metadata(for: group.protocolName)))
            }
        }
        var deletions: [(topic: String, partition: Int32)] = []
        var response = OffsetDeleteResponse()
        for topic in request.topics {
            let known = catalog.topic(topic.name)
            let denial = context.denial(.read, .topic(topic.name))
            let partitions = topic.partitions.map { partition -> OffsetDeleteResponse.OffsetDeleteResponsePartition in
                let error: KafkaErrorCode
                if let denial {
                    error = denial
                } else if known?.log(partition.partitionIndex) == nil {
                    error = .unknownTopicOrPartition
                } else if subscribed.contains(topic.name) {
                    error = .groupSubscribedToTopic
                } else {
                    error = .none
                    deletions.append((topic.name, partition.partitionIndex))
                }
                return OffsetDeleteResponse.OffsetDeleteResponsePartition(
                    partitionIndex: partition.partitionIndex, errorCode: error.rawValue)
            }
            response.topics.append(
                OffsetDeleteResponse.OffsetDeleteResponseTopic(name: topic.name, partitions: partitions))
        }
        if !deletions.isEmpty {
            do {
                try await groupStore.deleteOffsets(groupId: request.groupId, partitions: deletions)
            } catch {
                logger.error(
                    "deleting offsets failed", metadata: ["group": "\(request.groupId)", "error": "\(error)"])
                return OffsetDeleteResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue)
            }
        }
        return response
    }
}
