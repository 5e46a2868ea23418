import SpoolProtocol

/// ShareGroupHeartbeat (76): a share consumer joins (MemberEpoch 0, with the member id it generated and its
/// subscription), heartbeats (its current epoch) and leaves (-1). Malformed requests get INVALID_REQUEST with
/// the check Kafka makes, logged once.
struct ShareGroupHeartbeatHandler: KafkaResponseHandler {
    // Kafka 4.1 made v1 the only version (v0 was KIP-932's early access; librdkafka 2.16 asks for 1-1).
    static let versions: ClosedRange<Int16> = 1...1

    let shareGroups: ShareGroupCoordinator

    func respond(_ request: ShareGroupHeartbeatRequest, context: RequestContext)
        -> ShareGroupHeartbeatResponse
    {
        if let problem = Self.malformation(request) {
            context.refusals.refused(
                context, resource: "share group \(request.groupId)", code: .invalidRequest, reason: problem)
            return ShareGroupHeartbeatResponse(errorCode: KafkaErrorCode.invalidRequest.rawValue, errorMessage: problem)
        }
        if let denial = context.denial(.read, .group(request.groupId)) {
            return ShareGroupHeartbeatResponse(errorCode: denial.rawValue, errorMessage: "not authorized to READ the group")
        }
        let outcome = shareGroups.heartbeat(ShareHeartbeat(
            groupId: request.groupId, memberId: request.memberId, memberEpoch: request.memberEpoch,
            rackId: request.rackId, subscribedTopicNames: request.subscribedTopicNames,
            clientId: context.header.clientId ?? "", clientHost: context.session.host))
        if let error = outcome.error {
            return ShareGroupHeartbeatResponse(errorCode: error.rawValue, errorMessage: outcome.message)
        }
        return ShareGroupHeartbeatResponse(
            memberId: request.memberId, memberEpoch: outcome.memberEpoch,
            heartbeatIntervalMs: shareGroups.settings.heartbeatIntervalMs,
            assignment: outcome.assignment.map { topics in
                .init(topicPartitions: topics.map { .init(topicId: $0.topicId, partitions: $0.partitions) })
            })
    }

    /// What is wrong with a request Kafka would refuse as INVALID_REQUEST, in Kafka's words where it has them.
    static func malformation(_ request: ShareGroupHeartbeatRequest) -> String? {
        let limit = GroupSettings.maximumNameBytes
        if request.groupId.isEmpty { return "GroupId can't be empty." }
        if request.groupId.utf8.count > limit { return "GroupId is longer than \(limit) bytes." }
        if request.memberId.isEmpty { return "MemberId can't be empty." }
        if request.memberId.utf8.count > limit { return "MemberId is longer than \(limit) bytes." }
        if request.rackId?.isEmpty == true { return "RackId can't be empty." }
        if request.memberEpoch < -1 { return "MemberEpoch is invalid." }
        if request.memberEpoch == 0, request.subscribedTopicNames?.isEmpty ?? true {
            return "SubscribedTopicNames must be set in first request."
        }
        if let names = request.subscribedTopicNames, names.contains(where: \.isEmpty) {
            return "SubscribedTopicNames can't hold an empty name."
        }
        return nil
    }
}
