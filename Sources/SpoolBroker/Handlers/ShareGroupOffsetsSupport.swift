import SpoolProtocol

/// The group checks DescribeShareGroupOffsets, AlterShareGroupOffsets and DeleteShareGroupOffsets share.
struct ShareGroupOffsetsAccess {
    let shareGroups: ShareGroupCoordinator
    let groups: GroupCoordinator
    let shares: SharePartitionManager

    /// Why the admin APIs refuse `groupId`, or nil: an invalid id (INVALID_GROUP_ID); a classic group's id, or
    /// an id with neither members nor share-partition state (GROUP_ID_NOT_FOUND, with Kafka's messages); and,
    /// when `requireEmpty`, a group with members (NON_EMPTY_GROUP: offsets change only while nobody consumes).
    ///
    /// Spool keeps share group membership in memory, so after a restart a group with saved state and no member
    /// yet is an existing, empty group.
    func refusal(_ groupId: String, requireEmpty: Bool) -> (code: KafkaErrorCode, message: String)? {
        if GroupRequests.groupIdError(groupId) != nil {
            return (.invalidGroupId, "the group id must be 1 to \(GroupSettings.maximumNameBytes) bytes")
        }
        guard let group = shareGroups.group(groupId) else {
            if let classic = groups.group(groupId), classic.phase != .dead {
                return (.groupIdNotFound, "Group \(groupId) is not a share group.")
            }
            return shares.hasState(group: groupId) ? nil : (.groupIdNotFound, "Group \(groupId) not found.")
        }
        if requireEmpty && !group.isEmpty {
            return (
                .nonEmptyGroup,
                "share group \(groupId) has \(group.members.count) members: stop its consumers, then retry")
        }
        return nil
    }

    /// ``refusal(_:requireEmpty:)`` for an altering request (the group must be empty), logged as a refusal.
    func refusalToChange(_ groupId: String, _ operation: AclOperation, context: RequestContext)
        -> (code: KafkaErrorCode, message: String)?
    {
        if let denial = context.denial(operation, .group(groupId)) {
            return (denial, "not authorized to \(operation.name) group \(groupId)")
        }
        guard let refusal = refusal(groupId, requireEmpty: true) else { return nil }
        context.refusals.refused(
            context, resource: "share group \(groupId)", code: refusal.code, reason: refusal.message)
        return refusal
    }
}
