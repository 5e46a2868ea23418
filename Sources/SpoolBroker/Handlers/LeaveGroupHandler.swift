import SpoolProtocol

/// LeaveGroup (13): one member (v0–2) or several, by member id or group.instance.id (v3+).
struct LeaveGroupHandler: KafkaResponseHandler {
    // One of the seven APIs librdkafka needs advertised to enable groups (see FindCoordinatorHandler).
    static let versions: ClosedRange<Int16> = 0...5

    let groups: GroupCoordinator

    func respond(_ request: LeaveGroupRequest, context: RequestContext)
        -> LeaveGroupResponse
    {
        if let error = GroupRequests.refusal(request.groupId, .read, context: context) {
            return LeaveGroupResponse(errorCode: error.rawValue)
        }
        let leaving: [(memberId: String, groupInstanceId: String?)] =
            context.version >= 3
            ? request.members.map { ($0.memberId, $0.groupInstanceId) } : [(request.memberId, nil)]
        guard let errors = groups.leave(groupId: request.groupId, members: leaving) else {
            return LeaveGroupResponse(errorCode: KafkaErrorCode.unknownMemberId.rawValue)
        }
        guard context.version >= 3 else { return LeaveGroupResponse(errorCode: errors.first?.rawValue ?? 0) }
        var response = LeaveGroupResponse()
        response.members = zip(leaving, errors).map { member, error in
            LeaveGroupResponse.MemberResponse(
                memberId: member.memberId, groupInstanceId: member.groupInstanceId, errorCode: error.rawValue)
        }
        return response
    }
}
