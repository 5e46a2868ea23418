import Logging

/// What an operator wants to read about a consumer group in the log (info level): members joining and
/// leaving, rebalances starting, and each new generation with its members. Taken from the group before and
/// after a request or a tick, so that the state machines stay free of logging.
struct GroupMembershipView: Equatable {
    let phase: GroupPhase
    let generationId: Int32
    let protocolName: String?
    let members: [String: String]

    init?(_ group: ConsumerGroup?) {
        guard let group else { return nil }
        phase = group.phase
        generationId = group.generationId
        protocolName = group.protocolName
        members = group.members.mapValues(\.clientId)
    }

    /// Logs what changed from `before` to `after` in group `groupId`.
    static func log(_ groupId: String, from before: Self?, to after: Self?, logger: Logger) {
        guard before != after else { return }
        let previous = before?.members ?? [:]
        let current = after?.members ?? [:]
        for (member, clientId) in current where previous[member] == nil {
            logger.info(
                "group member joined",
                metadata: ["group": "\(groupId)", "member": "\(member)", "clientId": "\(clientId)"])
        }
        for (member, clientId) in previous where current[member] == nil {
            logger.info(
                "group member left", metadata: ["group": "\(groupId)", "member": "\(member)", "clientId": "\(clientId)"])
        }
        guard let after, after.phase != before?.phase || after.generationId != before?.generationId else { return }
        switch after.phase {
        case .preparingRebalance:
            logger.info(
                "group rebalance started",
                metadata: ["group": "\(groupId)", "members": "\(current.count)", "generation": "\(after.generationId)"])
        case .completingRebalance, .stable where after.generationId != before?.generationId:
            logger.info(
                "group generation completed",
                metadata: [
                    "group": "\(groupId)", "generation": "\(after.generationId)", "members": "\(current.count)",
                    "protocol": "\(after.protocolName ?? "-")",
                ])
        case .empty where before?.phase != .empty:
            logger.info("group is empty", metadata: ["group": "\(groupId)", "generation": "\(after.generationId)"])
        default:
            break
        }
    }
}
