import Logging

/// What an operator wants to read about a consumer group in the log (info level): members joining and
/// leaving, rebalances starting, and each new generation with its members. Taken from the group before and
/// after a request or a tick, so that the state machines stay free of logging. Taking a view costs no copy: it
/// shares the group's member dictionary (copy-on-write), which a later removal copies only when one happens.
struct GroupMembershipView {
    let phase: GroupPhase
    let generationId: Int32
    let protocolName: String?
    let members: [String: GroupMember]

    init?(_ group: ConsumerGroup?) {
        guard let group else { return nil }
        phase = group.phase
        generationId = group.generationId
        protocolName = group.protocolName
        members = group.members
    }

    /// Whether a tick changed anything worth a line: a tick only removes members, so an equal count means none
    /// left. The coordinator checks this for every group on every tick, so it reads no member.
    func tickChanged(to after: Self?) -> Bool {
        guard let after else { return true }
        return phase != after.phase || generationId != after.generationId || members.count != after.members.count
    }

    /// Logs what changed from `before` to `after` in group `groupId`.
    static func log(_ groupId: String, from before: Self?, to after: Self?, logger: Logger) {
        let previous = before?.members ?? [:]
        let current = after?.members ?? [:]
        for (member, state) in current where previous[member] == nil {
            logger.info(
                "group member joined",
                metadata: ["group": "\(groupId)", "member": "\(member)", "clientId": "\(state.clientId)"])
        }
        for (member, state) in previous where current[member] == nil {
            logger.info(
                "group member left",
                metadata: ["group": "\(groupId)", "member": "\(member)", "clientId": "\(state.clientId)"])
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
