import SpoolProtocol

/// Checks the group handlers share.
enum GroupRequests {
    /// INVALID_GROUP_ID for an empty or oversized group id, else nil.
    static func groupIdError(_ groupId: String) -> KafkaErrorCode? {
        groupId.isEmpty || groupId.utf8.count > GroupSettings.maximumNameBytes ? .invalidGroupId : nil
    }

    /// GROUP_AUTHORIZATION_FAILED when the principal may not do `operation` on the group, else INVALID_GROUP_ID
    /// for an empty or oversized group id, else nil: the first check of every group request.
    static func refusal(_ groupId: String, _ operation: AclOperation, context: RequestContext) -> KafkaErrorCode? {
        context.denial(operation, .group(groupId)) ?? groupIdError(groupId)
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

/// Checks the share group handlers share.
enum ShareRequests {
    /// GROUP_AUTHORIZATION_FAILED without READ on the share group, TOPIC_AUTHORIZATION_FAILED without READ on one
    /// of the topics (by topic ID; unknown IDs are left to the handler), else nil.
    static func denial(group: String, topicIds: [KafkaUUID], names: TopicNames, context: RequestContext)
        -> KafkaErrorCode?
    {
        if let denial = context.denial(.read, .group(group)) { return denial }
        for id in topicIds {
            if let name = names.catalog.topic(id: id)?.name, let denial = context.denial(.read, .topic(name)) {
                return denial
            }
        }
        return nil
    }
}
