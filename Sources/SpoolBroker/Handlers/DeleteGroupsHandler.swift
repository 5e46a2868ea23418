import SpoolProtocol

/// DeleteGroups (42): deletes empty groups with their committed offsets; a group with members is
/// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
struct DeleteGroupsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...2

    let groups: GroupCoordinator

    func respond(_ request: DeleteGroupsRequest, context: RequestContext) async
        -> DeleteGroupsResponse
    {
        var seen = Set<String>()
        let unique = request.groupsNames.filter { seen.insert($0).inserted }
        let valid = unique.filter { GroupRequests.groupIdError($0) == nil }
        let errors = Dictionary(
            zip(valid, await groups.deleteGroups(valid)), uniquingKeysWith: { first, _ in first })
        return DeleteGroupsResponse(results: unique.map { groupId in
            DeleteGroupsResponse.DeletableGroupResult(
                groupId: groupId, errorCode: (errors[groupId] ?? .invalidGroupId).rawValue)
        })
    }
}
