import Logging
import NIOConcurrencyHelpers
import SpoolProtocol

/// The share group settings (`group.share.*`).
struct ShareGroupSettings: Sendable, Equatable {
    /// A member that does not heartbeat for this long is removed (`group.share.session.timeout.ms`).
    var sessionTimeoutMs: Int32 = 45_000
    /// How often members are told to heartbeat (`group.share.heartbeat.interval.ms`).
    var heartbeatIntervalMs: Int32 = 5000
    /// Members one share group may hold (`group.share.max.size`).
    var maximumMembers = 200
    /// Share groups the broker holds (`group.share.max.groups`).
    var maximumGroups = 1000

    init() {}

    init(configuration: BrokerConfiguration) {
        sessionTimeoutMs = configuration.groupShareSessionTimeoutMs
        heartbeatIntervalMs = configuration.groupShareHeartbeatIntervalMs
        maximumMembers = configuration.groupShareMaximumSize
        maximumGroups = configuration.groupShareMaximumGroups
    }
}

/// What one ShareGroupHeartbeat asks, already checked for well-formedness by the handler.
struct ShareHeartbeat: Sendable {
    var groupId: String
    var memberId: String
    var memberEpoch: Int32
    var rackId: String?
    var subscribedTopicNames: [String]?
    var clientId: String
    var clientHost: String
}

/// The answer to one heartbeat: an error with its message, or the member's epoch and (when it changed or was
/// asked for) its assignment.
struct ShareHeartbeatOutcome: Sendable, Equatable {
    var error: KafkaErrorCode?
    var message: String?
    var memberEpoch: Int32 = 0
    var assignment: [ShareTopicAssignment]?

    static func failed(_ error: KafkaErrorCode, _ message: String) -> Self {
        Self(error: error, message: message)
    }
}

/// The share group coordinator (KIP-932's group side): membership, epochs and assignments of share groups,
/// kept in memory. Thread-safe: all state sits behind one lock, and the member-removed hook runs outside it.
///
/// Share groups and classic groups share one namespace: a heartbeat for an id a classic group holds is answered
/// as Kafka does (GROUP_ID_NOT_FOUND, "Group X is not a share group.").
final class ShareGroupCoordinator: Sendable {
    let settings: ShareGroupSettings
    private let groups = NIOLockedValueBox([String: ShareGroup]())
    /// Resolves a topic name to its id and partitions; nil while the topic does not exist.
    private let resolveTopic: @Sendable (String) -> ShareTopicAssignment?
    /// Whether a classic consumer group holds this id.
    private let isClassicGroup: @Sendable (String) -> Bool
    /// Called when a member leaves or its session expires, so the records it holds can be released. Not called
    /// when a member rejoins at epoch 0 under its id: its new share session (ShareFetch at epoch 0) replaces the
    /// old one, which is where Kafka releases the old session's records.
    private let memberRemoved: @Sendable (_ groupId: String, _ memberId: String) -> Void
    private let clock: @Sendable () -> Int64
    private let logger: Logger

    init(settings: ShareGroupSettings, logger: Logger,
         resolveTopic: @escaping @Sendable (String) -> ShareTopicAssignment?,
         isClassicGroup: @escaping @Sendable (String) -> Bool,
         memberRemoved: @escaping @Sendable (_ groupId: String, _ memberId: String) -> Void = { _, _ in },
         clock: @escaping @Sendable () -> Int64 = GroupCoordinator.wallClockMs)
    {
        self.settings = settings
        self.logger = logger
        self.resolveTopic = resolveTopic
        self.isClassicGroup = isClassicGroup
        self.memberRemoved = memberRemoved
        self.clock = clock
    }

    /// Joins (epoch 0), heartbeats (the member's epoch) or leaves (epoch -1).
    func heartbeat(_ request: ShareHeartbeat) -> ShareHeartbeatOutcome {
        if isClassicGroup(request.groupId) {
            return .failed(.groupIdNotFound, "Group \(request.groupId) is not a share group.")
        }
        let now = clock()
        let (outcome, removed) = groups.withLockedValue { groups -> (ShareHeartbeatOutcome, Bool) in
            switch request.memberEpoch {
            case 0: return (join(request, now: now, groups: &groups), false)
            case -1: return leave(request, groups: &groups)
            default: return (beat(request, now: now, groups: &groups), false)
            }
        }
        if removed {
            logger.info(
                "share group member left", metadata: ["group": "\(request.groupId)", "member": "\(request.memberId)"])
            memberRemoved(request.groupId, request.memberId)
        }
        return outcome
    }

    private func join(_ request: ShareHeartbeat, now: Int64, groups: inout [String: ShareGroup])
        -> ShareHeartbeatOutcome
    {
        var group: ShareGroup
        if let existing = groups[request.groupId] {
            group = existing
        } else {
            guard groups.count < settings.maximumGroups else {
                return .failed(
                    .groupMaxSizeReached,
                    "the broker holds \(settings.maximumGroups) share groups (group.share.max.groups); "
                        + "delete unused ones or raise the setting")
            }
            group = ShareGroup(groupId: request.groupId)
        }
        if group.members[request.memberId] == nil, group.members.count >= settings.maximumMembers {
            return .failed(
                .groupMaxSizeReached,
                "share group \(request.groupId) has \(settings.maximumMembers) members (group.share.max.size)")
        }
        // A known member id with epoch 0 rejoins (e.g. after FENCED_MEMBER_EPOCH): it starts over at epoch 0.
        group.join(ShareGroupMember(
            memberId: request.memberId, rackId: request.rackId, clientId: request.clientId,
            clientHost: request.clientHost, subscribedTopicNames: [], deadlineMs: 0))
        let outcome = advance(&group, request, now: now, sendAssignment: true)
        groups[request.groupId] = group
        return outcome
    }

    private func beat(_ request: ShareHeartbeat, now: Int64, groups: inout [String: ShareGroup])
        -> ShareHeartbeatOutcome
    {
        // Spool keeps membership in memory: after a restart a member's group is gone. Kafka would answer
        // GROUP_ID_NOT_FOUND, which librdkafka treats as fatal; UNKNOWN_MEMBER_ID makes it rejoin instead.
        guard var group = groups[request.groupId], let member = group.members[request.memberId] else {
            return .failed(
                .unknownMemberId, "member \(request.memberId) is not in share group \(request.groupId); rejoin")
        }
        guard member.memberEpoch == request.memberEpoch else {
            return .failed(
                .fencedMemberEpoch,
                "member epoch \(request.memberEpoch) is not the current \(member.memberEpoch); rejoin with epoch 0")
        }
        let outcome = advance(&group, request, now: now, sendAssignment: request.subscribedTopicNames != nil)
        groups[request.groupId] = group
        return outcome
    }

    /// Records the subscription, refreshes topics, brings the member to the group epoch and renews its session.
    private func advance(_ group: inout ShareGroup, _ request: ShareHeartbeat, now: Int64, sendAssignment: Bool)
        -> ShareHeartbeatOutcome
    {
        let memberId = request.memberId
        if let names = request.subscribedTopicNames { group.subscribe(memberId, to: names) }
        group.refreshTopics(resolve: resolveTopic)
        let changed = group.catchUp(memberId)
        let deadline = now + Int64(settings.sessionTimeoutMs)
        group.update(memberId) { $0.deadlineMs = deadline }
        let member = group.members[memberId]
        return ShareHeartbeatOutcome(
            memberEpoch: member?.memberEpoch ?? 0,
            assignment: changed || sendAssignment ? member?.assignment ?? [] : nil)
    }

    private func leave(_ request: ShareHeartbeat, groups: inout [String: ShareGroup])
        -> (ShareHeartbeatOutcome, Bool)
    {
        guard var group = groups[request.groupId] else {
            return (.failed(.groupIdNotFound, "Group \(request.groupId) not found."), false)
        }
        guard group.remove(request.memberId) else {
            return (.failed(.unknownMemberId, "member \(request.memberId) is not in share group \(request.groupId)"),
                    false)
        }
        group.refreshTopics(resolve: resolveTopic)
        groups[request.groupId] = group
        return (ShareHeartbeatOutcome(memberEpoch: -1), true)
    }

    /// Removes members whose session expired; called by the coordinator service's tick.
    func tick() {
        let now = clock()
        let expired = groups.withLockedValue { groups -> [(String, String)] in
            var expired: [(String, String)] = []
            for (groupId, var group) in groups {
                let gone = group.expired(at: now)
                guard !gone.isEmpty else { continue }
                for memberId in gone { group.remove(memberId) }
                group.refreshTopics(resolve: resolveTopic)
                groups[groupId] = group
                expired += gone.map { (groupId, $0) }
            }
            return expired
        }
        for (groupId, memberId) in expired {
            logger.info(
                "share group member session expired", metadata: ["group": "\(groupId)", "member": "\(memberId)"])
            memberRemoved(groupId, memberId)
        }
    }

    /// Re-creates, empty, the share groups whose share-partition state survived a restart (membership lives in
    /// memory; members rejoin), so they are listed, described and deletable as Kafka keeps them.
    func restore(groupIds: [String]) {
        groups.withLockedValue { groups in
            for groupId in groupIds where groups[groupId] == nil { groups[groupId] = ShareGroup(groupId: groupId) }
        }
    }

    /// The share group `groupId`, if it exists.
    func group(_ groupId: String) -> ShareGroup? { groups.withLockedValue { $0[groupId] } }

    /// Every share group, by id.
    var allGroups: [ShareGroup] { groups.withLockedValue { $0.values.sorted { $0.groupId < $1.groupId } } }

    /// Deletes the empty share groups among `groupIds`. Returns, for each id that is a share group, NONE when
    /// it was deleted or NON_EMPTY_GROUP; ids that are not share groups are absent.
    func delete(_ groupIds: [String]) -> [String: KafkaErrorCode] {
        groups.withLockedValue { groups in
            var results: [String: KafkaErrorCode] = [:]
            for groupId in groupIds {
                guard let group = groups[groupId] else { continue }
                if group.isEmpty {
                    groups[groupId] = nil
                    results[groupId] = KafkaErrorCode.none
                } else {
                    results[groupId] = .nonEmptyGroup
                }
            }
            return results
        }
    }
}
