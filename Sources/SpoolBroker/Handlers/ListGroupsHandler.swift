import SpoolProtocol

/// ListGroups (16): every group with its protocol type; v4+ filters by state, v5+ by type. Classic groups are
/// type "classic"; share groups (KIP-932) are listed as Kafka lists them, protocol type and type "share",
/// state Empty or Stable.
struct ListGroupsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...5

    let groups: GroupCoordinator
    let shareGroups: ShareGroupCoordinator

    func respond(_ request: ListGroupsRequest, context: RequestContext)
        -> ListGroupsResponse
    {
        let version = context.version
        let states = Set(request.statesFilter.map { $0.lowercased() })
        let types = Set(request.typesFilter.map { $0.lowercased() })
        var response = ListGroupsResponse()
        // DESCRIBE on the cluster lists every group; without it, only the groups the principal may describe.
        let everyGroup = context.isAllowed(.describe, .cluster, quietly: true)
        func add(_ groupId: String, protocolType: String, state: String, type: String) {
            guard types.isEmpty || types.contains(type), states.isEmpty || states.contains(state.lowercased()),
                  everyGroup || context.isAllowed(.describe, .group(groupId), quietly: true)
            else { return }
            var listed = ListGroupsResponse.ListedGroup(groupId: groupId, protocolType: protocolType)
            if version >= 4 { listed.groupState = state }
            if version >= 5 { listed.groupType = type }
            response.groups.append(listed)
        }
        for group in groups.allGroups where group.phase != .dead {
            add(group.groupId, protocolType: group.protocolType ?? "", state: group.phase.rawValue, type: "classic")
        }
        for group in shareGroups.allGroups {
            add(group.groupId, protocolType: "share", state: group.state, type: "share")
        }
        return response
    }
}
