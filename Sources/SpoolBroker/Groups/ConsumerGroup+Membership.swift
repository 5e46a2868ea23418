import NIOCore

/// What a SyncGroup asks, independent of its wire version.
struct SyncParameters: Sendable {
    var memberId: String
    var groupInstanceId: String?
    var generationId: Int32
    var protocolType: String?
    var protocolName: String?
    /// The leader's assignment per member id; empty from followers.
    var assignments: [String: ByteBuffer]
}

extension ConsumerGroup {
    // MARK: - SyncGroup

    /// Handles a SyncGroup. Followers wait for the leader's assignment; the leader's completes the rebalance.
    mutating func sync(_ request: SyncParameters, token: WaiterToken, now: Int64) -> [GroupAction] {
        if phase == .dead { return [.sync(token, .failed(.coordinatorNotAvailable))] }
        if let error = memberError(request.memberId, instance: request.groupInstanceId) {
            return [.sync(token, .failed(error))]
        }
        if request.generationId != generationId { return [.sync(token, .failed(.illegalGeneration))] }
        if let type = request.protocolType, type != protocolType {
            return [.sync(token, .failed(.inconsistentGroupProtocol))]
        }
        if let name = request.protocolName, name != protocolName {
            return [.sync(token, .failed(.inconsistentGroupProtocol))]
        }
        touch(request.memberId, now: now)
        var actions: [GroupAction] = []
        switch phase {
        case .empty, .dead:
            actions.append(.sync(token, .failed(.unknownMemberId)))
        case .preparingRebalance:
            actions.append(.sync(token, .failed(.rebalanceInProgress)))
        case .stable:
            actions.append(.sync(token, syncOutcome(for: request.memberId)))
        case .completingRebalance:
            if let old = members[request.memberId]?.pendingSync {
                actions.append(.sync(old, .failed(.rebalanceInProgress)))
            }
            members[request.memberId]?.pendingSync = token
            if request.memberId == leaderId {
                for id in memberOrder { members[id]?.assignment = request.assignments[id] ?? ByteBuffer() }
                phase = .stable
                syncDeadlineMs = nil
                stateTimestampMs = now
                for id in memberOrder {
                    if let waiting = members[id]?.pendingSync { actions.append(.sync(waiting, syncOutcome(for: id))) }
                    members[id]?.pendingSync = nil
                }
                actions.append(.persist(stored))
            }
        }
        return actions
    }

    private func syncOutcome(for memberId: String) -> SyncOutcome {
        SyncOutcome(
            protocolType: protocolType, protocolName: protocolName,
            assignment: members[memberId]?.assignment ?? ByteBuffer())
    }

    private mutating func touch(_ memberId: String, now: Int64) {
        guard let timeout = members[memberId]?.sessionTimeoutMs else { return }
        members[memberId]?.sessionDeadlineMs = now + Int64(timeout)
    }

    // MARK: - Heartbeat, LeaveGroup, OffsetCommit checks

    /// Handles a Heartbeat: keeps the session alive and tells the member whether to rejoin.
    mutating func heartbeat(
        memberId: String, groupInstanceId: String?, generationId: Int32, now: Int64
    ) -> KafkaErrorCode {
        if phase == .dead { return .coordinatorNotAvailable }
        if let error = memberError(memberId, instance: groupInstanceId) { return error }
        switch phase {
        case .empty, .dead:
            return .unknownMemberId
        case .preparingRebalance:
            touch(memberId, now: now)
            return .rebalanceInProgress
        case .completingRebalance, .stable:
            guard generationId == self.generationId else { return .illegalGeneration }
            touch(memberId, now: now)
            return .none
        }
    }

    /// Handles a LeaveGroup of one or more members (by member id, or by group.instance.id from v3).
    /// - Returns: one error per leaving member, and the actions.
    mutating func leave(
        _ leaving: [(memberId: String, groupInstanceId: String?)], now: Int64
    ) -> ([KafkaErrorCode], [GroupAction]) {
        if phase == .dead { return (leaving.map { _ in .coordinatorNotAvailable }, []) }
        var actions: [GroupAction] = []
        var errors: [KafkaErrorCode] = []
        var removed = false
        for member in leaving {
            var memberId = member.memberId
            if let instance = member.groupInstanceId {
                guard let holder = staticMembers[instance] else {
                    errors.append(.unknownMemberId)
                    continue
                }
                if !memberId.isEmpty && memberId != holder {
                    errors.append(.fencedInstanceId)
                    continue
                }
                memberId = holder
            }
            if pendingMembers.removeValue(forKey: memberId) != nil {
                errors.append(.none)
                removed = true
            } else if members[memberId] != nil {
                removeMember(memberId, actions: &actions)
                errors.append(.none)
                removed = true
            } else {
                errors.append(.unknownMemberId)
            }
        }
        if removed { membershipChanged(now: now, actions: &actions) }
        return (errors, actions)
    }

    /// Whether an OffsetCommit from this member and generation may write (Kafka's validateOffsetCommit):
    /// a commit with no generation goes to an empty group (a consumer that assigns partitions itself).
    func commitError(memberId: String, groupInstanceId: String?, generationId: Int32) -> KafkaErrorCode? {
        if phase == .dead { return .coordinatorNotAvailable }
        if generationId < 0 && phase == .empty { return nil }
        // Commits are fine while others rejoin (members commit before giving partitions up), not between the
        // join and the assignment, when the member's partitions are unknown.
        if phase == .completingRebalance { return .rebalanceInProgress }
        if let error = memberError(memberId, instance: groupInstanceId) { return error }
        if generationId != self.generationId { return .illegalGeneration }
        return nil
    }

    /// A member left or expired: a settled group rebalances; a rebalancing one may now be complete.
    mutating func membershipChanged(now: Int64, actions: inout [GroupAction]) {
        switch phase {
        case .stable, .completingRebalance:
            prepareRebalance(now: now, actions: &actions)
            tryCompleteJoin(now: now, actions: &actions)
        case .preparingRebalance:
            tryCompleteJoin(now: now, actions: &actions)
        case .empty, .dead:
            break
        }
    }

    // MARK: - Time

    /// Expires sessions, pending member ids, the join phase and the sync phase that are past their deadline.
    mutating func tick(now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        var changed = false
        for (id, deadline) in pendingMembers where deadline <= now {
            pendingMembers.removeValue(forKey: id)
            changed = true
        }
        for id in memberOrder {
            guard let member = members[id], member.sessionDeadlineMs <= now else { continue }
            // A member waiting for its JoinGroup or SyncGroup answer cannot heartbeat meanwhile.
            if member.pendingJoin != nil || member.pendingSync != nil { continue }
            removeMember(id, actions: &actions)
            changed = true
        }
        if phase == .completingRebalance, let deadline = syncDeadlineMs, deadline <= now {
            // Members that never sent SyncGroup are gone; the others must join again without them.
            for id in memberOrder where members[id]?.pendingSync == nil { removeMember(id, actions: &actions) }
            changed = true
        }
        if changed {
            membershipChanged(now: now, actions: &actions)
        } else if phase == .preparingRebalance {
            tryCompleteJoin(now: now, actions: &actions)
        }
        return actions
    }

    /// The earliest time something in this group may expire, for diagnostics and tests.
    var nextDeadlineMs: Int64? {
        let deadlines = members.values.map(\.sessionDeadlineMs) + Array(pendingMembers.values)
            + [rebalanceDeadlineMs, syncDeadlineMs].compactMap { $0 }
        return deadlines.min()
    }
}
