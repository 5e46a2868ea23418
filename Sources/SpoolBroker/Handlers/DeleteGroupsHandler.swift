import SpoolProtocol

/// DeleteGroups (42): deletes empty groups with their committed offsets; a group with members is
/// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
enum DeleteGroupsHandler {
    static func handle(_ request: DeleteGroupsRequest, context: RequestContext, broker: BrokerState) async
        -> DeleteGroupsResponse
    {
        var seen = Set<String>()
        let unique = request.groupsNames.filter { seen.insert($0).inserted }
        let valid = unique.filter { GroupRequests.groupIdError($0) == nil }
        let errors = Dictionary(
            zip(valid, await broker.groups.deleteGroups(valid)), uniquingKeysWith: { first, _ in first })
        return DeleteGroupsResponse(results: unique.map { groupId in
            DeleteGroupsResponse.DeletableGroupResult(
                groupId: groupId, errorCode: (errors[groupId] ?? .invalidGroupId).rawValue)
        })
    }
}
