import Logging
import SpoolMetadata
import SpoolProtocol

/// OffsetCommit (8): checks the member against the group, then writes the offsets to SQLite and answers
/// once they are durable. Concurrent commits (from any connection) share one transaction. A share group's id is
/// GROUP_ID_NOT_FOUND: share groups keep no committed offsets.
struct OffsetCommitHandler: KafkaResponseHandler {
    // One of the seven APIs librdkafka needs advertised to enable groups (see FindCoordinatorHandler).
    static let versions: ClosedRange<Int16> = 0...9

    let groups: GroupCoordinator
    let shareGroups: ShareGroupCoordinator
    let catalog: TopicCatalog
    let groupStore: any GroupMetadataStore
    let logger: Logger

    func respond(_ request: OffsetCommitRequest, context: RequestContext) async
        -> OffsetCommitResponse
    {
        if let error = GroupRequests.refusal(request.groupId, .read, context: context) { return failed(request, error) }
        if let error = GroupRequests.shareGroupError(request.groupId, shareGroups, context: context) {
            return failed(request, error)
        }
        if let error = groups.commitError(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            generationId: request.generationIdOrMemberEpoch)
        {
            return failed(request, error)
        }
        let now = groups.clock()
        // Each partition's answer, nil while it waits for the write.
        var answers: [[KafkaErrorCode?]] = []
        var offsets: [CommittedOffset] = []
        for topic in request.topics {
            let entry = catalog.topic(topic.name)
            let denial = context.denial(.read, .topic(topic.name))
            answers.append(topic.partitions.map { partition -> KafkaErrorCode? in
                if let denial { return denial }
                guard let entry, entry.log(partition.partitionIndex) != nil else { return .unknownTopicOrPartition }
                if (partition.committedMetadata?.utf8.count ?? 0) > GroupSettings.maximumOffsetMetadataBytes {
                    return .offsetMetadataTooLarge
                }
                offsets.append(CommittedOffset(
                    topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset,
                    leaderEpoch: context.version >= 6 ? partition.committedLeaderEpoch : -1,
                    metadata: partition.committedMetadata, commitTimestampMs: now))
                return nil
            })
        }
        var outcomes: [OffsetCommitOutcome] = []
        if !offsets.isEmpty {
            do {
                outcomes = try await groupStore.commitOffsets(groupId: request.groupId, offsets: offsets)
            } catch {
                logger.error(
                    "committing offsets failed", metadata: ["group": "\(request.groupId)", "error": "\(error)"])
                return failed(request, .coordinatorNotAvailable)
            }
        }
        var next = outcomes.makeIterator()
        var response = OffsetCommitResponse()
        for (topic, topicAnswers) in zip(request.topics, answers) {
            let partitions = zip(topic.partitions, topicAnswers).map { partition, answer in
                let error = answer ?? (next.next() == .committed ? .none : .unknownTopicOrPartition)
                return OffsetCommitResponse.OffsetCommitResponsePartition(
                    partitionIndex: partition.partitionIndex, errorCode: error.rawValue)
            }
            response.topics.append(
                OffsetCommitResponse.OffsetCommitResponseTopic(name: topic.name, partitions: partitions))
        }
        return response
    }

    private func failed(_ request: OffsetCommitRequest, _ error: KafkaErrorCode) -> OffsetCommitResponse {
        OffsetCommitResponse(topics: request.topics.map { topic in
            OffsetCommitResponse.OffsetCommitResponseTopic(
                name: topic.name,
                partitions: topic.partitions.map {
                    OffsetCommitResponse.OffsetCommitResponsePartition(
                        partitionIndex: $0.partitionIndex, errorCode: error.rawValue)
                })
        })
    }
}
