import SpoolProtocol

/// Heartbeat (12): keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
enum HeartbeatHandler {
    static func handle(_ request: HeartbeatRequest, context: RequestContext, broker: BrokerState)
        -> HeartbeatResponse
    {
        if let error = GroupRequests.groupIdError(request.groupId) {
            return HeartbeatResponse(errorCode: error.rawValue)
        }
        let error = broker.groups.heartbeat(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            generationId: request.generationId)
        return HeartbeatResponse(errorCode: error.rawValue)
    }
}
