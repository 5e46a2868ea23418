import SpoolProtocol

/// DeleteGroups (42): deletes empty groups with their committed offsets; a group with members is
/// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. Share groups are deleted the same way: only once no
/// member is left, and with their share-partitions, in memory and in SQLite (as Kafka deletes their share
/// state). A share group known only by its saved share-partitions (membership is not kept across restarts) is
/// an empty share group.
struct DeleteGroupsHandler: KafkaResponseHandler {
    static let versions: ClosedRange<Int16> = 0...2

    let groups: GroupCoordinator
    let shareGroups: ShareGroupCoordinator
    let shares: SharePartitionManager

    func respond(_ request: DeleteGroupsRequest, context: RequestContext) async
        -> DeleteGroupsResponse
    {
        var seen = Set<String>()
        let unique = request.groupsNames.filter { seen.insert($0).inserted }
        let refusals = Dictionary(uniqueKeysWithValues: unique.compactMap { groupId in
            GroupRequests.refusal(groupId, .delete, context: context).map { (groupId, $0) }
        })
        let valid = unique.filter { refusals[$0] == nil }
        var share = shareGroups.delete(valid)
        for groupId in valid where share[groupId] == nil && shares.hasState(group: groupId) {
            share[groupId] = KafkaErrorCode.none
        }
        // A deleted share group's state and configs go too; if that fails the group is put back, to be deleted
        // again.
        for (groupId, code) in share where code == .none {
            do {
                try await shares.deleteGroup(groupId)
            } catch {
                shareGroups.restore(groupIds: [groupId])
                share[groupId] = .kafkaStorageError
            }
        }
        let classic = valid.filter { !share.keys.contains($0) }
        var errors = Dictionary(
            zip(classic, await groups.deleteGroups(classic)), uniquingKeysWith: { first, _ in first })
        errors.merge(share) { _, shared in shared }
        errors.merge(refusals) { _, refused in refused }
        return DeleteGroupsResponse(results: unique.map { groupId in
            DeleteGroupsResponse.DeletableGroupResult(
                groupId: groupId, errorCode: (errors[groupId] ?? .invalidGroupId).rawValue)
        })
    }
}
