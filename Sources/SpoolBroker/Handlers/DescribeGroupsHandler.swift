import NIOCore
import SpoolProtocol

/// DescribeGroups (15): state, protocol and members of each group. A group that does not exist is
/// described as Dead with no error, as Kafka does before v6.
struct DescribeGroupsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...5

    let groups: GroupCoordinator

    func respond(_ request: DescribeGroupsRequest, context: RequestContext)
        -> DescribeGroupsResponse
    {
        let version = context.version
        var response = DescribeGroupsResponse()
        for groupId in request.groups {
            if let error = GroupRequests.refusal(groupId, .describe, context: context) {
                response.groups.append(DescribeGroupsResponse.DescribedGroup(
                    errorCode: error.rawValue, groupId: groupId, groupState: GroupPhase.dead.rawValue))
                continue
            }
            guard let group = groups.group(groupId) else {
                response.groups.append(DescribeGroupsResponse.DescribedGroup(
                    groupId: groupId, groupState: GroupPhase.dead.rawValue))
                continue
            }
            // Kafka shows member metadata and assignments, and the protocol, only once the group is Stable.
            let stable = group.phase == .stable
            let members = group.memberOrder.compactMap { group.members[$0] }.map { member in
                DescribeGroupsResponse.DescribedGroupMember(
                    memberId: member.memberId, groupInstanceId: version >= 4 ? member.groupInstanceId : nil,
                    clientId: member.clientId, clientHost: member.clientHost,
                    memberMetadata: stable ? member.metadata(for: group.protocolName) : ByteBuffer(),
                    memberAssignment: stable ? member.assignment : ByteBuffer())
            }
            response.groups.append(DescribeGroupsResponse.DescribedGroup(
                groupId: groupId, groupState: group.phase.rawValue, protocolType: group.protocolType ?? "",
                protocolData: stable ? (group.protocolName ?? "") : "", members: members))
        }
        return response
    }
}
