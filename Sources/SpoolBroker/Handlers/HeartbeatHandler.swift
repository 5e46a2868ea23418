import SpoolProtocol

/// Heartbeat (12): keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
struct HeartbeatHandler: KafkaResponseHandler {
    // One of the seven APIs librdkafka needs advertised to enable groups (see FindCoordinatorHandler).
    static let versions: ClosedRange<Int16> = 0...4

    let groups: GroupCoordinator

    func respond(_ request: HeartbeatRequest, context: RequestContext)
        -> HeartbeatResponse
    {
        if let error = GroupRequests.refusal(request.groupId, .read, context: context) {
            return HeartbeatResponse(errorCode: error.rawValue)
        }
        let error = groups.heartbeat(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            generationId: request.generationId)
        return HeartbeatResponse(errorCode: error.rawValue)
    }
}
