import SpoolProtocol

/// JoinGroup (11): answered when the group's join phase ends (every member rejoined, or the rebalance
/// timeout passed). The request's task waits on a continuation; no thread blocks. An id a share group holds is
/// GROUP_ID_NOT_FOUND, as Kafka answers a classic join for a group of another type.
struct JoinGroupHandler: KafkaResponseHandler {
    // One of the seven APIs librdkafka needs advertised to enable groups (see FindCoordinatorHandler).
    static let versions: ClosedRange<Int16> = 0...9

    let groups: GroupCoordinator
    let shareGroups: ShareGroupCoordinator

    func respond(_ request: JoinGroupRequest, context: RequestContext) async
        -> JoinGroupResponse
    {
        // A join may wait for a whole rebalance: later requests on this connection must not wait for it.
        context.gate.open()
        if let error = GroupRequests.refusal(request.groupId, .read, context: context) {
            return response(.failed(error, memberId: request.memberId), version: context.version)
        }
        if let error = GroupRequests.shareGroupError(request.groupId, shareGroups, context: context) {
            return response(.failed(error, memberId: request.memberId), version: context.version)
        }
        guard GroupRequests.withinLimit(request.memberId), GroupRequests.withinLimit(request.groupInstanceId),
              request.protocols.allSatisfy({ GroupRequests.withinLimit($0.name) }),
              request.protocols.reduce(0, { $0 + $1.metadata.readableBytes })
                <= GroupSettings.maximumMemberMetadataBytes
        else {
            return response(.failed(.invalidRequest, memberId: ""), version: context.version)
        }
        let parameters = JoinParameters(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            protocolType: request.protocolType,
            protocols: request.protocols.map { GroupProtocol(name: $0.name, metadata: $0.metadata) },
            sessionTimeoutMs: request.sessionTimeoutMs,
            // v0 has no rebalance timeout: Kafka uses the session timeout.
            rebalanceTimeoutMs: context.version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
            clientId: context.header.clientId ?? "", clientHost: context.session.host,
            requireKnownMemberId: context.version >= 4)
        return response(await groups.join(parameters), version: context.version)
    }

    func response(_ outcome: JoinOutcome, version: Int16) -> JoinGroupResponse {
        var response = JoinGroupResponse(
            errorCode: outcome.error.rawValue, generationId: outcome.generationId,
            protocolName: outcome.protocolName ?? (version >= 7 ? nil : ""), leader: outcome.leaderId,
            memberId: outcome.memberId)
        if version >= 7 { response.protocolType = outcome.protocolType }
        response.members = outcome.members.map {
            JoinGroupResponse.JoinGroupResponseMember(
                memberId: $0.memberId, groupInstanceId: version >= 5 ? $0.groupInstanceId : nil, metadata: $0.metadata)
        }
        return response
    }
}
