import SpoolProtocol

/// Checks the group handlers share.
enum GroupRequests {
    /// INVALID_GROUP_ID for an empty or oversized group id, else nil.
    static func groupIdError(_ groupId: String) -> KafkaErrorCode? {
        groupId.isEmpty || groupId.utf8.count > GroupSettings.maximumNameBytes ? .invalidGroupId : nil
    }

    /// Whether an optional id (member id, group.instance.id) is within the name limit.
    static func withinLimit(_ id: String?) -> Bool {
        (id?.utf8.count ?? 0) <= GroupSettings.maximumNameBytes
    }
}
