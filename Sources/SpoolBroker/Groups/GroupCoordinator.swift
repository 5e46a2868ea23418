import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SpoolMetadata

/// The group coordinator: one ``ConsumerGroup`` state machine per group, the JoinGroup and SyncGroup
/// requests waiting for a rebalance (continuations resumed by the state machines' actions, never a blocked
/// thread), and the persistence of what groups keep across restarts.
///
/// Thread-safe: one lock guards the groups and the waiters; actions run after it is released.
final class GroupCoordinator: Sendable {
    private struct State {
        var groups: [String: ConsumerGroup] = [:]
        var joinWaiters: [WaiterToken: CheckedContinuation<JoinOutcome, Never>] = [:]
        var syncWaiters: [WaiterToken: CheckedContinuation<SyncOutcome, Never>] = [:]
        var nextToken: WaiterToken = 0
        /// After shutdown, JoinGroup and SyncGroup are answered NOT_COORDINATOR at once.
        var closed = false
    }

    let settings: GroupSettings
    let store: any GroupMetadataStore
    /// Milliseconds since the epoch; tests inject a manual clock.
    let clock: @Sendable () -> Int64
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// Group saves and deletions, in order.
    private let writes = SerialTaskQueue()

    init(settings: GroupSettings, store: any GroupMetadataStore, logger: Logger,
         clock: @escaping @Sendable () -> Int64 = GroupCoordinator.wallClockMs)
    {
        self.settings = settings
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    @Sendable static func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Reads the groups persisted before a restart; each comes back Empty with its generation.
    func load() async throws {
        let stored = try await store.groups()
        state.withLockedValue { state in
            for group in stored { state.groups[group.groupId] = ConsumerGroup(stored: group, settings: settings) }
        }
    }

    // MARK: - Requests

    func join(_ request: JoinParameters) async -> JoinOutcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<JoinOutcome, Never>) in
            let now = clock()
            var views: (GroupMembershipView?, GroupMembershipView?) = (nil, nil)
            let actions = state.withLockedValue { state -> [GroupAction] in
                views.0 = GroupMembershipView(state.groups[request.groupId])
                defer { views.1 = GroupMembershipView(state.groups[request.groupId]) }
                state.nextToken += 1
                let token = state.nextToken
                state.joinWaiters[token] = continuation
                if state.closed { return [.join(token, .failed(.notCoordinator))] }
                if state.groups[request.groupId] == nil {
                    guard state.groups.count < GroupSettings.maximumGroups else {
                        return [.join(token, .failed(.coordinatorNotAvailable))]
                    }
                    state.groups[request.groupId] = ConsumerGroup(
                        groupId: request.groupId, settings: settings, now: now)
                }
                return state.groups[request.groupId]?.join(request, token: token, now: now) ?? []
            }
            GroupMembershipView.log(request.groupId, from: views.0, to: views.1, logger: logger)
            perform(actions)
        }
    }

    func sync(groupId: String, _ request: SyncParameters) async -> SyncOutcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<SyncOutcome, Never>) in
            let now = clock()
            var views: (GroupMembershipView?, GroupMembershipView?) = (nil, nil)
            let actions = state.withLockedValue { state -> [GroupAction] in
                views.0 = GroupMembershipView(state.groups[groupId])
                defer { views.1 = GroupMembershipView(state.groups[groupId]) }
                state.nextToken += 1
                let token = state.nextToken
                state.syncWaiters[token] = continuation
                if state.closed { return [.sync(token, .failed(.notCoordinator))] }
                guard state.groups[groupId] != nil else { return [.sync(token, .failed(.unknownMemberId))] }
                return state.groups[groupId]?.sync(request, token: token, now: now) ?? []
            }
            GroupMembershipView.log(groupId, from: views.0, to: views.1, logger: logger)
            perform(actions)
        }
    }

    func heartbeat(groupId: String, memberId: String, groupInstanceId: String?, generationId: Int32)
        -> KafkaErrorCode
    {
        let now = clock()
        return state.withLockedValue { state in
            state.groups[groupId]?.heartbeat(
                memberId: memberId, groupInstanceId: groupInstanceId, generationId: generationId, now: now)
                ?? .unknownMemberId
        }
    }

    /// - Returns: one error per leaving member, or nil when the group does not exist.
    func leave(groupId: String, members: [(memberId: String, groupInstanceId: String?)]) -> [KafkaErrorCode]? {
        let now = clock()
        var views: (GroupMembershipView?, GroupMembershipView?) = (nil, nil)
        let result = state.withLockedValue { state -> ([KafkaErrorCode], [GroupAction])? in
            views.0 = GroupMembershipView(state.groups[groupId])
            defer { views.1 = GroupMembershipView(state.groups[groupId]) }
            return state.groups[groupId]?.leave(members, now: now)
        }
        GroupMembershipView.log(groupId, from: views.0, to: views.1, logger: logger)
        guard let (errors, actions) = result else { return nil }
        perform(actions)
        return errors
    }

    /// Checks an OffsetCommit against the group's membership; a first commit without a generation creates
    /// an empty group (as Kafka does for consumers that assign partitions themselves).
    func commitError(groupId: String, memberId: String, groupInstanceId: String?, generationId: Int32)
        -> KafkaErrorCode?
    {
        let now = clock()
        return state.withLockedValue { state in
            if let group = state.groups[groupId] {
                return group.commitError(
                    memberId: memberId, groupInstanceId: groupInstanceId, generationId: generationId)
            }
            guard generationId < 0 else { return .illegalGeneration }
            guard state.groups.count < GroupSettings.maximumGroups else { return .coordinatorNotAvailable }
            state.groups[groupId] = ConsumerGroup(groupId: groupId, settings: settings, now: now)
            return nil
        }
    }

    /// A copy of a group's state, or nil when it does not exist.
    func group(_ groupId: String) -> ConsumerGroup? {
        state.withLockedValue { $0.groups[groupId] }
    }

    /// Copies of every group, sorted by id.
    var allGroups: [ConsumerGroup] {
        state.withLockedValue { Array($0.groups.values) }.sorted { $0.groupId < $1.groupId }
    }

    /// Deletes empty groups with their offsets (DeleteGroups).
    /// - Returns: one error per group id: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND or none.
    func deleteGroups(_ groupIds: [String]) async -> [KafkaErrorCode] {
        var deletable: [String] = []
        let errors = state.withLockedValue { state in
            groupIds.map { groupId -> KafkaErrorCode in
                guard let group = state.groups[groupId], group.phase != .dead else { return .groupIdNotFound }
                guard group.isEmpty else { return .nonEmptyGroup }
                state.groups[groupId]?.markDead()
                deletable.append(groupId)
                return .none
            }
        }
        guard !deletable.isEmpty else { return errors }
        let store = self.store
        let deleted = deletable
        do {
            try await writes.run { try await store.deleteGroups(deleted) }
        } catch {
            logger.error("deleting groups failed", metadata: ["groups": "\(deleted)", "error": "\(error)"])
            state.withLockedValue { state in
                for id in deleted {
                    state.groups[id] = state.groups[id].map { ConsumerGroup(stored: $0.stored, settings: settings) }
                }
            }
            return errors.map { $0 == .none ? .coordinatorNotAvailable : $0 }
        }
        state.withLockedValue { state in
            for id in deleted where state.groups[id]?.phase == .dead { state.groups.removeValue(forKey: id) }
        }
        return errors
    }

    // MARK: - Time

    /// Runs every group's timeouts (sessions, join and sync phases) at the clock's current time.
    func tick() {
        let now = clock()
        var changes: [(String, GroupMembershipView?, GroupMembershipView?)] = []
        let actions = state.withLockedValue { state -> [GroupAction] in
            var actions: [GroupAction] = []
            for id in Array(state.groups.keys) {
                // An empty group has nothing to expire but member ids handed out with MEMBER_ID_REQUIRED.
                guard let group = state.groups[id], group.phase != .dead,
                      group.phase != .empty || !group.pendingMembers.isEmpty
                else { continue }
                let before = GroupMembershipView(group)
                actions += state.groups[id]?.tick(now: now) ?? []
                let after = GroupMembershipView(state.groups[id])
                if before?.tickChanged(to: after) ?? false { changes.append((id, before, after)) }
            }
            return actions
        }
        for (id, before, after) in changes { GroupMembershipView.log(id, from: before, to: after, logger: logger) }
        perform(actions)
    }

    /// Expires committed offsets of empty groups older than offsets.retention.minutes; a group left with no
    /// offsets is removed, as Kafka does.
    func expireOffsets() async {
        let now = clock()
        let empty = state.withLockedValue { state in
            state.groups.values.filter { $0.phase == .empty && $0.isEmpty }.map(\.groupId)
        }
        guard !empty.isEmpty else { return }
        let store = self.store
        let cutoff = now - settings.offsetsRetentionMs
        do {
            let emptied = try await writes.run { try await store.expireOffsets(groupIds: empty, olderThan: cutoff) }
            let removed = state.withLockedValue { state -> [String] in
                emptied.filter { id in
                    guard let group = state.groups[id], group.phase == .empty, group.isEmpty,
                          group.stateTimestampMs < cutoff else { return false }
                    state.groups.removeValue(forKey: id)
                    return true
                }
            }
            if !removed.isEmpty {
                try await writes.run { try await store.deleteGroups(removed) }
                logger.info("expired the offsets of empty groups", metadata: ["groups": "\(removed)"])
            }
        } catch {
            logger.error("expiring offsets failed", metadata: ["error": "\(error)"])
        }
    }

    /// Answers every waiting JoinGroup and SyncGroup with NOT_COORDINATOR (clients look for the coordinator
    /// again) and every later one too: called when the broker shuts down.
    func shutdown() {
        let (joins, syncs) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.joinWaiters.removeAll()
                state.syncWaiters.removeAll()
            }
            return (Array(state.joinWaiters.values), Array(state.syncWaiters.values))
        }
        for waiter in joins { waiter.resume(returning: .failed(.notCoordinator)) }
        for waiter in syncs { waiter.resume(returning: .failed(.notCoordinator)) }
    }

    // MARK: - Actions

    private func perform(_ actions: [GroupAction]) {
        for action in actions {
            switch action {
            case .join(let token, let outcome):
                state.withLockedValue { $0.joinWaiters.removeValue(forKey: token) }?.resume(returning: outcome)
            case .sync(let token, let outcome):
                state.withLockedValue { $0.syncWaiters.removeValue(forKey: token) }?.resume(returning: outcome)
            case .persist(let group):
                let store = self.store
                let logger = self.logger
                writes.enqueue {
                    do {
                        try await store.saveGroup(group)
                    } catch {
                        logger.error(
                            "saving a group failed", metadata: ["group": "\(group.groupId)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
