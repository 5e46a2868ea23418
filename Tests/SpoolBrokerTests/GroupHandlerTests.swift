import NIOCore
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// Every advertised version of every group API, through the router: requests decode, answers encode (the
/// generated encoders refuse fields a version lacks), and the flow join → sync → heartbeat → commit →
/// fetch → describe → list → leave → delete works at each.
@Suite struct GroupHandlerTests {
    static func routedBroker() async throws -> RoutedBroker {
        try await RoutedBroker { $0.groupInitialRebalanceDelayMs = 0 }
    }

    @Test("FindCoordinator names this broker for group keys at every version, one key or several")
    func findCoordinator() async throws {
        let broker = try await Self.routedBroker()
        for version in try #require(broker.router.registry.versions(of: .findCoordinator)) {
            var request = FindCoordinatorRequest()
            if version >= 4 { request.coordinatorKeys = ["a", "b"] } else { request.key = "a" }
            let response = try await broker.call(request, version: version, as: FindCoordinatorResponse.self)
            if version >= 4 {
                #expect(response.coordinators.map(\.nodeId) == [1, 1])
            } else {
                #expect(response.errorCode == 0 && response.nodeId == 1 && response.port > 0)
            }
        }
        try await broker.stop()
    }

    @Test("join, sync, heartbeat, commit, fetch, describe, list, leave and delete at every JoinGroup version")
    func wholeFlowAtEveryVersion() async throws {
        let broker = try await Self.routedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "t", partitions: 2, configs: [:])
        for version in try #require(broker.router.registry.versions(of: .joinGroup)) {
            let group = "group-v\(version)"
            let memberId = try await join(broker, group: group, version: version)
            let generation: Int32 = 1
            var sync = SyncGroupRequest(groupId: group, generationId: generation, memberId: memberId)
            sync.assignments = [.init(memberId: memberId, assignment: ByteBuffer(string: "all"))]
            let synced = try await broker.call(sync, version: min(version, 5), as: SyncGroupResponse.self)
            #expect(synced.errorCode == 0 && synced.assignment == ByteBuffer(string: "all"), "v\(version)")
            let beat = try await broker.call(
                HeartbeatRequest(groupId: group, generationId: generation, memberId: memberId),
                version: min(version, 4), as: HeartbeatResponse.self)
            #expect(beat.errorCode == 0)
            try await commitAndFetch(broker, group: group, memberId: memberId, version: version)
            let described = try await broker.call(
                DescribeGroupsRequest(groups: [group]), version: min(version, 5), as: DescribeGroupsResponse.self)
            #expect(described.groups.first?.groupState == "Stable")
            #expect(described.groups.first?.members.first?.memberAssignment == ByteBuffer(string: "all"))
            var list = ListGroupsRequest()
            if version >= 4 { list.statesFilter = ["Stable"] }
            let listed = try await broker.call(list, version: min(version, 5), as: ListGroupsResponse.self)
            #expect(listed.groups.contains { $0.groupId == group })
            var leave = LeaveGroupRequest(groupId: group)
            if version >= 3 { leave.members = [.init(memberId: memberId)] } else { leave.memberId = memberId }
            let left = try await broker.call(leave, version: min(version, 5), as: LeaveGroupResponse.self)
            #expect(left.errorCode == 0 && left.members.allSatisfy { $0.errorCode == 0 })
            let deleted = try await broker.call(
                DeleteGroupsRequest(groupsNames: [group, "missing"]), version: min(version, 2),
                as: DeleteGroupsResponse.self)
            #expect(deleted.results.map(\.errorCode) == [0, KafkaErrorCode.groupIdNotFound.rawValue])
        }
        try await broker.stop()
    }

    @Test("OffsetDelete removes offsets of topics no member subscribes to; a subscribed topic keeps them")
    func offsetDelete() async throws {
        let broker = try await Self.routedBroker()
        _ = try await broker.broker.partitions.catalog.createTopic(name: "t", partitions: 1, configs: [:])
        var commit = OffsetCommitRequest(groupId: "simple")
        commit.topics = [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 5)])]
        _ = try await broker.call(commit, version: 2, as: OffsetCommitResponse.self)
        let request = OffsetDeleteRequest(
            groupId: "simple", topics: [.init(name: "t", partitions: [.init(partitionIndex: 0)])])
        let response = try await broker.call(request, version: 0, as: OffsetDeleteResponse.self)
        #expect(response.errorCode == 0 && response.topics.first?.partitions.first?.errorCode == 0)
        let fetched = try await broker.call(
            OffsetFetchRequest(groupId: "simple", topics: [.init(name: "t", partitionIndexes: [0])]), version: 1,
            as: OffsetFetchResponse.self)
        #expect(fetched.topics.first?.partitions.first?.committedOffset == -1)
        let unknown = try await broker.call(
            OffsetDeleteRequest(groupId: "nobody"), version: 0, as: OffsetDeleteResponse.self)
        #expect(unknown.errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        try await broker.stop()
    }

    @Test("oversized JoinGroup metadata and SyncGroup assignments are INVALID_REQUEST, not memory")
    func oversizedMetadata() async throws {
        let broker = try await Self.routedBroker()
        let big = ByteBuffer(repeating: 0x61, count: GroupSettings.maximumMemberMetadataBytes + 1)
        var join = JoinGroupRequest(
            groupId: "big", sessionTimeoutMs: 10_000, protocolType: "consumer",
            protocols: [.init(name: "range", metadata: big)])
        join.rebalanceTimeoutMs = 10_000
        let joined = try await broker.call(join, version: 5, as: JoinGroupResponse.self)
        #expect(joined.errorCode == KafkaErrorCode.invalidRequest.rawValue)
        var sync = SyncGroupRequest(groupId: "big", generationId: 1, memberId: "m")
        sync.assignments = [.init(memberId: "m", assignment: big)]
        let synced = try await broker.call(sync, version: 3, as: SyncGroupResponse.self)
        #expect(synced.errorCode == KafkaErrorCode.invalidRequest.rawValue)
        try await broker.stop()
    }

    /// Joins a new member (through MEMBER_ID_REQUIRED from v4) and returns its member id.
    private func join(_ broker: RoutedBroker, group: String, version: Int16) async throws -> String {
        var request = JoinGroupRequest(
            groupId: group, sessionTimeoutMs: 10_000, protocolType: "consumer",
            protocols: [.init(name: "range", metadata: ByteBuffer(string: "meta"))])
        if version >= 1 { request.rebalanceTimeoutMs = 10_000 }
        var response = try await broker.call(request, version: version, as: JoinGroupResponse.self)
        if version >= 4 {
            #expect(response.errorCode == KafkaErrorCode.memberIdRequired.rawValue)
            request.memberId = response.memberId
            response = try await broker.call(request, version: version, as: JoinGroupResponse.self)
        }
        #expect(response.errorCode == 0, "JoinGroup v\(version)")
        #expect(response.generationId == 1 && response.leader == response.memberId)
        #expect(response.members.first?.metadata == ByteBuffer(string: "meta"))
        return response.memberId
    }

    private func commitAndFetch(_ broker: RoutedBroker, group: String, memberId: String, version: Int16)
        async throws
    {
        var commit = OffsetCommitRequest(groupId: group)
        if version >= 1 {
            commit.generationIdOrMemberEpoch = 1
            commit.memberId = memberId
        }
        commit.topics = [.init(name: "t", partitions: [
            .init(partitionIndex: 0, committedOffset: 42, committedMetadata: "m"),
            .init(partitionIndex: 9, committedOffset: 1),
        ])]
        let committed = try await broker.call(commit, version: version, as: OffsetCommitResponse.self)
        // v0 carries no member id or generation: a group with members refuses it, as Kafka does.
        let expected: [Int16] = version >= 1 ? [0, 3] : [25, 25]
        #expect(committed.topics.first?.partitions.map(\.errorCode) == expected, "OffsetCommit v\(version)")
        var fetch = OffsetFetchRequest()
        if version >= 8 {
            fetch.groups = [.init(groupId: group, topics: [.init(name: "t", partitionIndexes: [0, 1])])]
        } else {
            fetch.groupId = group
            fetch.topics = [.init(name: "t", partitionIndexes: [0, 1])]
        }
        let fetched = try await broker.call(fetch, version: version, as: OffsetFetchResponse.self)
        let offsets = version >= 8
            ? fetched.groups.first?.topics.first?.partitions.map(\.committedOffset)
            : fetched.topics.first?.partitions.map(\.committedOffset)
        #expect(offsets == (version >= 1 ? [42, -1] : [-1, -1]), "OffsetFetch v\(version)")
    }
}
