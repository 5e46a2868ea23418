import SpoolLog
import SpoolProtocol

/// ShareAcknowledge (79) v1, KIP-932: acknowledgements sent alone (a commit, or a close with epoch -1), in the
/// member's share session; answered once they are durable. Closing the session releases what the member holds.
struct ShareAcknowledgeHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 1...1

    let shares: SharePartitionManager
    let cluster: ClusterIdentity

    func respond(_ request: ShareAcknowledgeRequest, context: RequestContext) async throws -> ShareAcknowledgeResponse {
        guard let group = request.groupId, !group.isEmpty, let member = request.memberId, !member.isEmpty else {
            return Self.failure(.invalidRequest, "ShareAcknowledge needs a group id and a member id")
        }
        if let denial = ShareRequests.denial(
            group: group, topicIds: request.topics.map(\.topicId), names: TopicNames(catalog: shares.partitions.catalog),
            context: context)
        {
            return Self.failure(denial, "not authorized to READ the group or one of its topics")
        }
        let closed: Bool
        do {
            closed = try shares.sessions.acknowledge(
                .init(groupId: group, memberId: member), epoch: request.shareSessionEpoch) != nil
        } catch {
            context.refusals.refused(
                context, resource: "share session of \(member) in \(group)", code: error.code,
                reason: "ShareSessionEpoch \(request.shareSessionEpoch)")
            return Self.failure(error.code, "share session of \(member) in \(group): \(error.code)")
        }
        let names = TopicNames(catalog: shares.partitions.catalog)
        var batches: [(TopicPartition, [AcknowledgementBatch])] = []
        var codes: [KafkaUUID: [Int32: KafkaErrorCode]] = [:]
        for topic in request.topics {
            for partition in topic.partitions {
                let key = ShareSessionPartition(topicId: topic.topicId, partition: partition.partitionIndex)
                guard let target = names.partition(key) else {
                    let code: KafkaErrorCode =
                        names.catalog.topic(id: topic.topicId) == nil ? .unknownTopicId : .unknownTopicOrPartition
                    codes[topic.topicId, default: [:]][partition.partitionIndex] = code
                    continue
                }
                batches.append((target, partition.acknowledgementBatches.map {
                    AcknowledgementBatch(
                        firstOffset: $0.firstOffset, lastOffset: $0.lastOffset, acknowledgeTypes: $0.acknowledgeTypes)
                }))
            }
        }
        let acknowledged = await shares.acknowledge(group: group, member: member, batches)
        for (partition, code) in acknowledged {
            guard let id = names.topicId(partition.topic) else { continue }
            codes[id, default: [:]][partition.partition] = code
        }
        if closed { shares.release(group: group, member: member) }
        var response = ShareAcknowledgeResponse()
        response.responses = request.topics.map { topic in
            var result = ShareAcknowledgeResponse.ShareAcknowledgeTopicResponse()
            result.topicId = topic.topicId
            result.partitions = topic.partitions.map { partition in
                var data = ShareAcknowledgeResponse.PartitionData()
                data.partitionIndex = partition.partitionIndex
                data.errorCode = (codes[topic.topicId]?[partition.partitionIndex] ?? .none).rawValue
                data.currentLeader.leaderId = cluster.nodeId
                data.currentLeader.leaderEpoch = 0
                return data
            }
            return result
        }
        let address = cluster.advertisedAddress(for: context.session.listenerName)
        var endpoint = ShareAcknowledgeResponse.NodeEndpoint()
        endpoint.nodeId = cluster.nodeId
        endpoint.host = address.host
        endpoint.port = Int32(address.port)
        response.nodeEndpoints = [endpoint]
        return response
    }

    static func failure(_ code: KafkaErrorCode, _ message: String) -> ShareAcknowledgeResponse {
        var response = ShareAcknowledgeResponse()
        response.errorCode = code.rawValue
        response.errorMessage = message
        return response
    }
}
