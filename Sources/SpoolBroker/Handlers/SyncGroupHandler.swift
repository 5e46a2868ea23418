import NIOCore
import SpoolProtocol

/// SyncGroup (14): the leader brings the assignment; every member waits for it (on a continuation).
struct SyncGroupHandler: KafkaResponseHandler {
    // One of the seven APIs librdkafka needs advertised to enable groups (see FindCoordinatorHandler).
    static let versions: ClosedRange<Int16> = 0...5

    let groups: GroupCoordinator

    func respond(_ request: SyncGroupRequest, context: RequestContext) async
        -> SyncGroupResponse
    {
        context.gate.open()
        let version = context.version
        if let error = GroupRequests.refusal(request.groupId, .read, context: context) { return response(.failed(error), version: version) }
        var assignments: [String: ByteBuffer] = [:]
        for assignment in request.assignments { assignments[assignment.memberId] = assignment.assignment }
        guard assignments.count == request.assignments.count,
              assignments.values.allSatisfy({ $0.readableBytes <= GroupSettings.maximumMemberMetadataBytes })
        else {
            return response(.failed(.invalidRequest), version: version)
        }
        let parameters = SyncParameters(
            memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            generationId: request.generationId, protocolType: request.protocolType,
            protocolName: request.protocolName, assignments: assignments)
        return response(await groups.sync(groupId: request.groupId, parameters), version: version)
    }

    func response(_ outcome: SyncOutcome, version: Int16) -> SyncGroupResponse {
        var response = SyncGroupResponse(errorCode: outcome.error.rawValue, assignment: outcome.assignment)
        if version >= 5 {
            response.protocolType = outcome.protocolType
            response.protocolName = outcome.protocolName
        }
        return response
    }
}
