import Foundation
import NIOCore
import SpoolMetadata

/// One consumer group's classic-protocol state machine (Kafka's `ClassicGroup` and the join/sync parts of
/// its `GroupMetadataManager`). Every step takes the current time and returns the actions to perform:
/// answers to waiting JoinGroup and SyncGroup requests and what to persist. It never sleeps or blocks;
/// timeouts are found by ``tick(now:)``, so tests drive it with a manual clock.
///
/// Not thread-safe: the ``GroupCoordinator`` guards each instance with its lock.
struct ConsumerGroup: Sendable {
    let groupId: String
    let settings: GroupSettings
    var phase: GroupPhase = .empty
    var generationId: Int32 = 0
    var protocolType: String?
    var protocolName: String?
    var leaderId: String?
    var members: [String: GroupMember] = [:]
    /// Member ids in join order: the first is leader when the old leader is gone.
    var memberOrder: [String] = []
    /// group.instance.id → the member id currently holding it.
    var staticMembers: [String: String] = [:]
    /// Member ids handed out with MEMBER_ID_REQUIRED, with the time they expire if the member does not join.
    var pendingMembers: [String: Int64] = [:]
    var stateTimestampMs: Int64
    /// When the join phase ends (PreparingRebalance).
    var rebalanceDeadlineMs: Int64?
    /// When members that have not sent SyncGroup are removed (CompletingRebalance).
    var syncDeadlineMs: Int64?
    /// The initial delay of a group that was empty: started at, members then, hard end.
    private var initialDelay: (membersAtCheck: Int, endMs: Int64)?

    init(groupId: String, settings: GroupSettings, now: Int64) {
        self.groupId = groupId
        self.settings = settings
        self.stateTimestampMs = now
    }

    /// A group read back after a restart: empty, remembering its protocol type and generation.
    init(stored: StoredGroup, settings: GroupSettings) {
        self.init(groupId: stored.groupId, settings: settings, now: stored.stateTimestampMs)
        protocolType = stored.protocolType
        generationId = stored.generationId
    }

    /// What to persist about this group.
    var stored: StoredGroup {
        StoredGroup(
            groupId: groupId, protocolType: protocolType, generationId: generationId, protocolName: protocolName,
            leaderId: leaderId, stateTimestampMs: stateTimestampMs)
    }

    var isEmpty: Bool { members.isEmpty && pendingMembers.isEmpty }

    // MARK: - JoinGroup

    /// Handles a JoinGroup. The answer for `token` is among the returned actions, now or in a later step.
    mutating func join(_ request: JoinParameters, token: WaiterToken, now: Int64) -> [GroupAction] {
        if let error = joinError(request) { return [.join(token, .failed(error, memberId: request.memberId))] }
        var actions: [GroupAction] = []
        if request.memberId.isEmpty {
            if let instance = request.groupInstanceId, let existing = staticMembers[instance] {
                let newId = Self.newMemberId(request)
                replaceStaticMember(existing, with: newId, actions: &actions)
                rejoinKnownMember(newId, request, token: token, now: now, actions: &actions)
            } else if request.requireKnownMemberId && request.groupInstanceId == nil {
                guard members.count + pendingMembers.count < settings.maximumMembers else {
                    return [.join(token, .failed(.groupMaxSizeReached))]
                }
                let newId = Self.newMemberId(request)
                pendingMembers[newId] = now + Int64(request.sessionTimeoutMs)
                return [.join(token, .failed(.memberIdRequired, memberId: newId))]
            } else {
                addMember(Self.newMemberId(request), request, token: token, now: now, actions: &actions)
            }
        } else if pendingMembers.removeValue(forKey: request.memberId) != nil {
            addMember(request.memberId, request, token: token, now: now, actions: &actions)
        } else if let error = memberError(request.memberId, instance: request.groupInstanceId) {
            return [.join(token, .failed(error, memberId: request.memberId))]
        } else {
            rejoinKnownMember(request.memberId, request, token: token, now: now, actions: &actions)
        }
        return actions
    }

    private func joinError(_ request: JoinParameters) -> KafkaErrorCode? {
        if phase == .dead { return .coordinatorNotAvailable }
        if request.sessionTimeoutMs < settings.minSessionTimeoutMs
            || request.sessionTimeoutMs > settings.maxSessionTimeoutMs
        {
            return .invalidSessionTimeout
        }
        if request.protocolType.isEmpty || request.protocols.isEmpty
            || request.protocols.count > GroupSettings.maximumProtocols
        {
            return .inconsistentGroupProtocol
        }
        guard !members.isEmpty else { return nil }
        if protocolType != request.protocolType { return .inconsistentGroupProtocol }
        let offered = Set(request.protocols.map(\.name))
        let others = members.values.filter { $0.memberId != request.memberId }
        let common = others.reduce(offered) { $0.intersection($1.protocols.map(\.name)) }
        return common.isEmpty && !others.isEmpty ? .inconsistentGroupProtocol : nil
    }

    /// UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID when `memberId` may not act in this group, else nil.
    func memberError(_ memberId: String, instance: String?) -> KafkaErrorCode? {
        if let instance, let holder = staticMembers[instance], holder != memberId { return .fencedInstanceId }
        guard members[memberId] != nil else { return .unknownMemberId }
        if let instance, staticMembers[instance] != memberId { return .fencedInstanceId }
        return nil
    }

    private static func newMemberId(_ request: JoinParameters) -> String {
        let prefix = String((request.groupInstanceId ?? request.clientId).utf8.prefix(200)) ?? "member"
        return prefix + "-" + UUID().uuidString.lowercased()
    }

    private mutating func addMember(
        _ memberId: String, _ request: JoinParameters, token: WaiterToken, now: Int64, actions: inout [GroupAction]
    ) {
        guard members.count + pendingMembers.count < settings.maximumMembers else {
            actions.append(.join(token, .failed(.groupMaxSizeReached, memberId: memberId)))
            return
        }
        if members.isEmpty { protocolType = request.protocolType }
        members[memberId] = GroupMember(
            memberId: memberId, groupInstanceId: request.groupInstanceId, clientId: request.clientId,
            clientHost: request.clientHost, sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: request.rebalanceTimeoutMs, protocolType: request.protocolType,
            protocols: request.protocols, pendingJoin: token,
            sessionDeadlineMs: now + Int64(request.sessionTimeoutMs))
        memberOrder.append(memberId)
        if let instance = request.groupInstanceId { staticMembers[instance] = memberId }
        if phase != .preparingRebalance { prepareRebalance(now: now, actions: &actions) }
        tryCompleteJoin(now: now, actions: &actions)
    }

    /// A static member came back with a new member id: the old id is fenced, its place (and assignment) kept.
    private mutating func replaceStaticMember(_ oldId: String, with newId: String, actions: inout [GroupAction]) {
        guard var member = members.removeValue(forKey: oldId) else { return }
        if let token = member.pendingJoin { actions.append(.join(token, .failed(.fencedInstanceId, memberId: oldId))) }
        if let token = member.pendingSync { actions.append(.sync(token, .failed(.fencedInstanceId))) }
        member.pendingJoin = nil
        member.pendingSync = nil
        member.memberId = newId
        members[newId] = member
        memberOrder = memberOrder.map { $0 == oldId ? newId : $0 }
        if let instance = member.groupInstanceId { staticMembers[instance] = newId }
        if leaderId == oldId { leaderId = newId }
    }

    private mutating func rejoinKnownMember(
        _ memberId: String, _ request: JoinParameters, token: WaiterToken, now: Int64, actions: inout [GroupAction]
    ) {
        guard var member = members[memberId] else { return }
        let protocolsChanged = member.protocols != request.protocols
        member.protocols = request.protocols
        member.sessionTimeoutMs = request.sessionTimeoutMs
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
        member.clientId = request.clientId
        member.clientHost = request.clientHost
        member.sessionDeadlineMs = now + Int64(request.sessionTimeoutMs)
        if let old = member.pendingJoin {
            actions.append(.join(old, .failed(.rebalanceInProgress, memberId: memberId)))
        }
        member.pendingJoin = nil
        members[memberId] = member
        switch phase {
        case .preparingRebalance:
            members[memberId]?.pendingJoin = token
            tryCompleteJoin(now: now, actions: &actions)
        case .completingRebalance where !protocolsChanged, .stable where !protocolsChanged:
            // Nothing changed for this member: tell it the current generation without a rebalance (this is
            // how a static member returns after a restart and how a member repeats a lost JoinGroup).
            actions.append(.join(token, joinOutcome(for: memberId)))
        case .completingRebalance, .stable:
            prepareRebalance(now: now, actions: &actions)
            members[memberId]?.pendingJoin = token
            tryCompleteJoin(now: now, actions: &actions)
        case .empty, .dead:
            actions.append(.join(token, .failed(.unknownMemberId, memberId: memberId)))
        }
    }

    // MARK: - Rebalance

    /// Enters PreparingRebalance: members must rejoin before the join phase ends.
    mutating func prepareRebalance(now: Int64, actions: inout [GroupAction]) {
        if phase == .completingRebalance { failPendingSyncs(.rebalanceInProgress, actions: &actions) }
        let rebalanceTimeoutMs = Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
        if phase == .empty && settings.initialRebalanceDelayMs > 0 {
            // Kafka's InitialDelayedJoin: wait for more members of a new group before the first assignment,
            // extending while members keep arriving, up to the rebalance timeout.
            let delay = min(settings.initialRebalanceDelayMs, max(rebalanceTimeoutMs, 1))
            initialDelay = (members.count, now + max(rebalanceTimeoutMs, delay))
            rebalanceDeadlineMs = now + delay
        } else {
            initialDelay = nil
            rebalanceDeadlineMs = now + rebalanceTimeoutMs
        }
        syncDeadlineMs = nil
        phase = .preparingRebalance
        stateTimestampMs = now
    }

    /// Ends the join phase when every member has rejoined (and no initial delay runs), or at its deadline.
    mutating func tryCompleteJoin(now: Int64, actions: inout [GroupAction]) {
        guard phase == .preparingRebalance, let deadline = rebalanceDeadlineMs else { return }
        let allJoined = pendingMembers.isEmpty && members.values.allSatisfy { $0.pendingJoin != nil }
        if let delay = initialDelay {
            guard now >= deadline else { return }
            if members.count > delay.membersAtCheck && now < delay.endMs {
                initialDelay = (members.count, delay.endMs)
                rebalanceDeadlineMs = min(now + settings.initialRebalanceDelayMs, delay.endMs)
                return
            }
        } else if !allJoined && now < deadline {
            return
        }
        // Members that did not rejoin in time leave the group.
        for id in memberOrder where members[id]?.pendingJoin == nil { removeMember(id, actions: &actions) }
        pendingMembers.removeAll()
        completeJoin(now: now, actions: &actions)
    }

    private mutating func completeJoin(now: Int64, actions: inout [GroupAction]) {
        generationId &+= 1
        initialDelay = nil
        rebalanceDeadlineMs = nil
        stateTimestampMs = now
        guard !members.isEmpty else {
            phase = .empty
            protocolName = nil
            leaderId = nil
            actions.append(.persist(stored))
            return
        }
        protocolName = selectProtocol()
        if leaderId.map({ members[$0] == nil }) ?? true { leaderId = memberOrder.first }
        phase = .completingRebalance
        syncDeadlineMs = now + Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
        for id in memberOrder {
            guard var member = members[id] else { continue }
            member.sessionDeadlineMs = now + Int64(member.sessionTimeoutMs)
            if let token = member.pendingJoin { actions.append(.join(token, joinOutcome(for: id))) }
            member.pendingJoin = nil
            members[id] = member
        }
        actions.append(.persist(stored))
    }

    /// The protocol every member supports that most members prefer (Kafka's vote).
    private func selectProtocol() -> String? {
        let all = memberOrder.compactMap { members[$0] }
        guard let first = all.first else { return nil }
        let candidates = all.dropFirst().reduce(Set(first.protocols.map(\.name))) {
            $0.intersection($1.protocols.map(\.name))
        }
        var votes: [String: Int] = [:]
        for member in all {
            if let vote = member.protocols.first(where: { candidates.contains($0.name) }) {
                votes[vote.name, default: 0] += 1
            }
        }
        return first.protocols.map(\.name).filter { candidates.contains($0) }
            .max { votes[$0, default: 0] < votes[$1, default: 0] }
    }

    func joinOutcome(for memberId: String) -> JoinOutcome {
        var outcome = JoinOutcome(
            generationId: generationId, protocolType: protocolType, protocolName: protocolName,
            leaderId: leaderId ?? "", memberId: memberId)
        if memberId == leaderId {
            outcome.members = memberOrder.compactMap { members[$0] }.map {
                ($0.memberId, $0.groupInstanceId, $0.metadata(for: protocolName))
            }
        }
        return outcome
    }

    mutating func failPendingSyncs(_ error: KafkaErrorCode, actions: inout [GroupAction]) {
        for id in memberOrder {
            if let token = members[id]?.pendingSync { actions.append(.sync(token, .failed(error))) }
            members[id]?.pendingSync = nil
        }
    }

    /// Removes a member, answering its waiting requests with UNKNOWN_MEMBER_ID. Does not rebalance.
    mutating func removeMember(_ memberId: String, actions: inout [GroupAction]) {
        guard let member = members.removeValue(forKey: memberId) else { return }
        memberOrder.removeAll { $0 == memberId }
        if let instance = member.groupInstanceId, staticMembers[instance] == memberId {
            staticMembers.removeValue(forKey: instance)
        }
        if let token = member.pendingJoin {
            actions.append(.join(token, .failed(.unknownMemberId, memberId: memberId)))
        }
        if let token = member.pendingSync { actions.append(.sync(token, .failed(.unknownMemberId))) }
    }

    /// Marks the group deleted (DeleteGroups, or expired and empty).
    mutating func markDead() {
        phase = .dead
    }
}
