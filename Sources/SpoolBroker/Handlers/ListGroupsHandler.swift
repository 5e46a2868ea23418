import SpoolProtocol

/// ListGroups (16): every group with its protocol type; v4+ filters by state, v5+ by type (all of Spool's
/// groups are "classic").
struct ListGroupsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...5

    let groups: GroupCoordinator

    func respond(_ request: ListGroupsRequest, context: RequestContext)
        -> ListGroupsResponse
    {
        let version = context.version
        let states = Set(request.statesFilter.map { $0.lowercased() })
        let types = Set(request.typesFilter.map { $0.lowercased() })
        var response = ListGroupsResponse()
        guard types.isEmpty || types.contains("classic") else { return response }
        for group in groups.allGroups where group.phase != .dead {
            guard states.isEmpty || states.contains(group.phase.rawValue.lowercased()) else { continue }
            var listed = ListGroupsResponse.ListedGroup(groupId: group.groupId, protocolType: group.protocolType ?? "")
            if version >= 4 { listed.groupState = group.phase.rawValue }
            if version >= 5 { listed.groupType = "classic" }
            response.groups.append(listed)
        }
        return response
    }
}
