import SpoolProtocol

/// Checks the group handlers share.
enum GroupRequests {
    /// INVALID_GROUP_ID for an empty or oversized group id, else nil.
    static func groupIdError(_ groupId: String) -> KafkaErrorCode? {
        groupId.isEmpty || groupId.utf8.count > GroupSettings.maximumNameBytes ? .invalidGroupId : nil
    }

    /// GROUP_ID_NOT_FOUND, logged once, when a share group holds `groupId`: Kafka refuses classic group requests
    /// for a group of another type ("Group X is not a classic group."), and a classic group made under a share
    /// group's id would make the share consumers' next heartbeat fail. Nil otherwise.
    static func shareGroupError(_ groupId: String, _ shareGroups: ShareGroupCoordinator, context: RequestContext)
        -> KafkaErrorCode?
    {
        guard shareGroups.group(groupId) != nil else { return nil }
        context.refusals.refused(
            context, resource: "group \(groupId)", code: .groupIdNotFound,
            reason: "Group \(groupId) is not a classic group.")
        return .groupIdNotFound
    }

    /// Whether an optional id (member id, group.instance.id) is within the name limit.
    static func withinLimit(_ id: String?) -> Bool {
        (id?.utf8.count ?? 0) <= GroupSettings.maximumNameBytes
    }
}
