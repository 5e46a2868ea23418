import NIOCore
import SpoolMetadata

/// The classic group protocol's states, as Kafka names them in DescribeGroups and ListGroups.
enum GroupPhase: String, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"
}

/// The coordinator's settings (`group.*`, `offsets.retention.minutes`) and its fixed limits.
struct GroupSettings: Sendable, Equatable {
    var initialRebalanceDelayMs: Int64 = 3000
    var minSessionTimeoutMs: Int32 = 6000
    var maxSessionTimeoutMs: Int32 = 1_800_000
    var offsetsRetentionMs: Int64 = 10080 * 60_000
    /// Members one group may hold (Kafka's group.max.size); more get GROUP_MAX_SIZE_REACHED.
    var maximumMembers = 1000
    /// Groups the coordinator holds; a JoinGroup that would create more gets COORDINATOR_NOT_AVAILABLE.
    static let maximumGroups = 100_000
    /// Protocols one JoinGroup may offer.
    static let maximumProtocols = 64
    /// Longest group id, member id part, instance id or protocol name accepted, in UTF-8 bytes.
    static let maximumNameBytes = 1024
    /// Largest protocol metadata one member may send in JoinGroup (all its protocols together), and largest
    /// assignment the leader may give one member: with ``maximumMembers`` this bounds a group's memory.
    static let maximumMemberMetadataBytes = 1 << 20
    /// Largest committed offset metadata (Kafka's offset.metadata.max.bytes).
    static let maximumOffsetMetadataBytes = 4096
}

/// One protocol a member supports (e.g. "range" with its subscription bytes).
struct GroupProtocol: Sendable, Equatable {
    var name: String
    var metadata: ByteBuffer
}

/// What a JoinGroup asks, independent of its wire version.
struct JoinParameters: Sendable {
    var groupId: String
    var memberId: String
    var groupInstanceId: String?
    var protocolType: String
    var protocols: [GroupProtocol]
    var sessionTimeoutMs: Int32
    var rebalanceTimeoutMs: Int32
    var clientId: String
    var clientHost: String
    /// JoinGroup v4+ may be answered MEMBER_ID_REQUIRED; older versions may not.
    var requireKnownMemberId: Bool
}

/// A JoinGroup answer.
struct JoinOutcome: Sendable, Equatable {
    var error: KafkaErrorCode = .none
    var generationId: Int32 = -1
    var protocolType: String?
    var protocolName: String?
    var leaderId: String = ""
    var memberId: String = ""
    /// Only the leader gets the members with their metadata for the chosen protocol.
    var members: [(memberId: String, groupInstanceId: String?, metadata: ByteBuffer)] = []

    static func == (lhs: JoinOutcome, rhs: JoinOutcome) -> Bool {
        lhs.error == rhs.error && lhs.generationId == rhs.generationId && lhs.protocolName == rhs.protocolName
            && lhs.leaderId == rhs.leaderId && lhs.memberId == rhs.memberId
            && lhs.members.map(\.memberId) == rhs.members.map(\.memberId)
    }

    static func failed(_ error: KafkaErrorCode, memberId: String = "") -> JoinOutcome {
        JoinOutcome(error: error, memberId: memberId)
    }
}

/// A SyncGroup answer.
struct SyncOutcome: Sendable, Equatable {
    var error: KafkaErrorCode = .none
    var protocolType: String?
    var protocolName: String?
    var assignment = ByteBuffer()

    static func failed(_ error: KafkaErrorCode) -> SyncOutcome { SyncOutcome(error: error) }
}

/// Identifies a JoinGroup or SyncGroup waiting for its answer.
typealias WaiterToken = Int

/// What the coordinator must do after a state machine step.
enum GroupAction: Sendable {
    /// Answer a waiting JoinGroup.
    case join(WaiterToken, JoinOutcome)
    /// Answer a waiting SyncGroup.
    case sync(WaiterToken, SyncOutcome)
    /// Persist what the group keeps across restarts.
    case persist(StoredGroup)
}

/// One member of a group.
struct GroupMember: Sendable {
    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var sessionTimeoutMs: Int32
    var rebalanceTimeoutMs: Int32
    var protocolType: String
    var protocols: [GroupProtocol]
    var assignment = ByteBuffer()
    /// The JoinGroup waiting for the rebalance to complete, if any.
    var pendingJoin: WaiterToken?
    /// The SyncGroup waiting for the leader's assignment, if any.
    var pendingSync: WaiterToken?
    /// The session expires when no heartbeat (or join, sync) arrives by then, in milliseconds.
    var sessionDeadlineMs: Int64

    func metadata(for protocolName: String?) -> ByteBuffer {
        protocols.first { $0.name == protocolName }?.metadata ?? ByteBuffer()
    }
}
