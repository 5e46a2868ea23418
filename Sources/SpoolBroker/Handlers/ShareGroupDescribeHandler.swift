import SpoolProtocol

/// ShareGroupDescribe (77): each share group's state (Empty or Stable), epochs, assignor ("simple") and members
/// with their subscriptions and assignments. An id a classic group holds, or no group, is GROUP_ID_NOT_FOUND
/// with Kafka's message.
struct ShareGroupDescribeHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 1...1

    /// Kafka's "not supported" value of AuthorizedOperations: Spool has no ACLs.
    static let operationsNotRequested: Int32 = Int32.min

    let shareGroups: ShareGroupCoordinator
    let groups: GroupCoordinator

    func respond(_ request: ShareGroupDescribeRequest, context: RequestContext)
        -> ShareGroupDescribeResponse
    {
        ShareGroupDescribeResponse(groups: request.groupIds.map { describe($0, context: context) })
    }

    private func describe(_ groupId: String, context: RequestContext) -> ShareGroupDescribeResponse.DescribedGroup {
        func failed(_ error: KafkaErrorCode, _ message: String?) -> ShareGroupDescribeResponse.DescribedGroup {
            .init(errorCode: error.rawValue, errorMessage: message, groupId: groupId, groupState: "Dead",
                  groupEpoch: -1, assignmentEpoch: -1, assignorName: "",
                  authorizedOperations: Self.operationsNotRequested)
        }
        if let refusal = GroupRequests.refusal(groupId, .describe, context: context) { return failed(refusal, nil) }
        guard let group = shareGroups.group(groupId) else {
            if let classic = groups.group(groupId), classic.phase != .dead {
                return failed(.groupIdNotFound, "Group \(groupId) is not a share group.")
            }
            return failed(.groupIdNotFound, "Group \(groupId) not found.")
        }
        let members = group.memberOrder.compactMap { group.members[$0] }.map { member in
            ShareGroupDescribeResponse.Member(
                memberId: member.memberId, rackId: member.rackId, memberEpoch: member.memberEpoch,
                clientId: member.clientId, clientHost: member.clientHost,
                subscribedTopicNames: member.subscribedTopicNames,
                assignment: .init(topicPartitions: member.assignment.map {
                    .init(topicId: $0.topicId, topicName: $0.topicName, partitions: $0.partitions)
                }))
        }
        return .init(
            groupId: groupId, groupState: group.state, groupEpoch: group.groupEpoch,
            assignmentEpoch: group.assignmentEpoch, assignorName: "simple", members: members,
            authorizedOperations: Self.operationsNotRequested)
    }
}
