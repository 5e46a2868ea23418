import Foundation
import NIOCore
import SpoolProtocol
import Testing

/// Share group membership (KIP-932) against the real `spool serve`: ShareGroupHeartbeat joins, heartbeats,
/// leaves and expires members, ShareGroupDescribe, ListGroups and DeleteGroups see share groups.
@Suite struct ShareGroupTests {
    /// One connection to a fresh broker, with helpers for the share group requests.
    struct Share {
        let broker: RunningBroker
        let connection: BlockingKafkaConnection

        static func start(_ settings: [String] = []) async throws -> Share {
            let broker = try await RunningBroker(extraArguments: settings.flatMap { ["--set", $0] })
            return Share(broker: broker, connection: try BlockingKafkaConnection(port: broker.port))
        }

        func createTopic(_ name: String, partitions: Int32) throws -> KafkaUUID {
            let created = try connection.roundTrip(
                CreateTopicsRequest(topics: [.init(name: name, numPartitions: partitions, replicationFactor: 1)]),
                version: 7, as: CreateTopicsResponse.self)
            #expect(created.topics.first?.errorCode == 0)
            return created.topics.first?.topicId ?? .zero
        }

        func heartbeat(_ group: String, _ member: String, epoch: Int32, topics: [String]? = nil,
                       rack: String? = nil) throws -> ShareGroupHeartbeatResponse
        {
            try connection.roundTrip(
                ShareGroupHeartbeatRequest(
                    groupId: group, memberId: member, memberEpoch: epoch, rackId: rack, subscribedTopicNames: topics),
                version: 1, as: ShareGroupHeartbeatResponse.self)
        }

        func describe(_ group: String) throws -> ShareGroupDescribeResponse.DescribedGroup {
            let response = try connection.roundTrip(
                ShareGroupDescribeRequest(groupIds: [group]), version: 1, as: ShareGroupDescribeResponse.self)
            return try #require(response.groups.first)
        }

        func delete(_ group: String) throws -> Int16? {
            try connection.roundTrip(
                DeleteGroupsRequest(groupsNames: [group]), version: 2, as: DeleteGroupsResponse.self
            ).results.first?.errorCode
        }

        /// A classic consumer's JoinGroup v3 (no member id round trip), answered once the join phase ends.
        func joinClassic(_ group: String) throws -> JoinGroupResponse {
            try connection.roundTrip(
                JoinGroupRequest(
                    groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "",
                    protocolType: "consumer", protocols: [.init(name: "range", metadata: ByteBuffer())]),
                version: 3, as: JoinGroupResponse.self)
        }

        func stop() async throws { _ = try await broker.stop() }
    }

    @Test("members join, all get every partition, heartbeat to the group epoch, leave, and the empty group is deleted")
    func joinHeartbeatLeaveDelete() async throws {
        let share = try await Share.start(["group.share.heartbeat.interval.ms=1234"])
        let topicId = try share.createTopic("jobs", partitions: 1)

        let first = try share.heartbeat("workers", "m1", epoch: 0, topics: ["jobs"])
        #expect(first.errorCode == 0, "\(first)")
        #expect(first.memberId == "m1")
        #expect(first.memberEpoch == 1)
        #expect(first.heartbeatIntervalMs == 1234)
        #expect(first.assignment?.topicPartitions == [.init(topicId: topicId, partitions: [0])])

        // More members than partitions: the second member gets the one partition too.
        let second = try share.heartbeat("workers", "m2", epoch: 0, topics: ["jobs"])
        #expect(second.memberEpoch == 2)
        #expect(second.assignment?.topicPartitions == [.init(topicId: topicId, partitions: [0])])

        // m1 is one epoch behind: it catches up and is sent its assignment again; then nothing changes.
        let caughtUp = try share.heartbeat("workers", "m1", epoch: 1)
        #expect(caughtUp.errorCode == 0 && caughtUp.memberEpoch == 2 && caughtUp.assignment != nil, "\(caughtUp)")
        let steady = try share.heartbeat("workers", "m1", epoch: 2)
        #expect(steady.errorCode == 0 && steady.memberEpoch == 2 && steady.assignment == nil, "\(steady)")

        let described = try share.describe("workers")
        #expect(described.errorCode == 0 && described.groupState == "Stable" && described.groupEpoch == 2)
        #expect(described.assignorName == "simple")
        #expect(described.members.map(\.memberId) == ["m1", "m2"])
        #expect(described.members.map(\.subscribedTopicNames) == [["jobs"], ["jobs"]])
        #expect(described.members.first?.assignment.topicPartitions.first?.topicName == "jobs")
        #expect(described.members.first?.clientId == "bad-input-tests")

        #expect(try share.delete("workers") == KafkaErrorCode.nonEmptyGroup.rawValue)
        let left = try share.heartbeat("workers", "m1", epoch: -1)
        #expect(left.errorCode == 0 && left.memberEpoch == -1, "\(left)")
        #expect(try share.describe("workers").members.map(\.memberId) == ["m2"])
        #expect(try share.heartbeat("workers", "m2", epoch: 2).memberEpoch == 3)
        _ = try share.heartbeat("workers", "m2", epoch: -1)
        let empty = try share.describe("workers")
        #expect(empty.groupState == "Empty" && empty.members.isEmpty)

        #expect(try share.delete("workers") == 0)
        let gone = try share.describe("workers")
        #expect(gone.errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        #expect(gone.errorMessage == "Group workers not found.")
        try await share.stop()
    }

    @Test("a subscribed topic that does not exist yet is assigned once it is created, at a new group epoch")
    func topicCreatedLater() async throws {
        let share = try await Share.start()
        let joined = try share.heartbeat("later", "m1", epoch: 0, topics: ["not-yet"])
        #expect(joined.errorCode == 0 && joined.assignment?.topicPartitions == [], "\(joined)")
        let topicId = try share.createTopic("not-yet", partitions: 3)
        let next = try share.heartbeat("later", "m1", epoch: joined.memberEpoch)
        #expect(next.memberEpoch == joined.memberEpoch + 1)
        #expect(next.assignment?.topicPartitions == [.init(topicId: topicId, partitions: [0, 1, 2])])
        try await share.stop()
    }

    @Test("ListGroups v5 lists share groups with type share and filters by type and state")
    func listGroups() async throws {
        let share = try await Share.start()
        _ = try share.heartbeat("queue", "m1", epoch: 0, topics: ["t"])
        func list(types: [String] = [], states: [String] = [], version: Int16 = 5) throws -> [String] {
            try share.connection.roundTrip(
                ListGroupsRequest(statesFilter: states, typesFilter: types), version: version,
                as: ListGroupsResponse.self
            ).groups.map { "\($0.groupId)/\($0.protocolType)/\($0.groupState)/\($0.groupType)" }
        }
        #expect(try list() == ["queue/share/Stable/share"])
        #expect(try list(types: ["share"]) == ["queue/share/Stable/share"])
        #expect(try list(types: ["classic"]) == [])
        #expect(try list(states: ["empty"]) == [])
        #expect(try list(version: 3) == ["queue/share//"])
        try await share.stop()
    }

    @Test("a member that stops heartbeating is removed after group.share.session.timeout.ms")
    func sessionExpiry() async throws {
        let share = try await Share.start(["group.share.session.timeout.ms=300"])
        let joined = try share.heartbeat("expiring", "m1", epoch: 0, topics: ["t"])
        #expect(joined.errorCode == 0)
        let deadline = ContinuousClock.now + .seconds(5)
        while try share.describe("expiring").groupState != "Empty", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try share.describe("expiring").groupState == "Empty")
        #expect(try await share.broker.process.waitForLog("share group member session expired", timeout: .seconds(5)))
        let late = try share.heartbeat("expiring", "m1", epoch: joined.memberEpoch)
        #expect(late.errorCode == KafkaErrorCode.unknownMemberId.rawValue, "\(late)")
        try await share.stop()
    }

    @Test("wrong epochs, unknown members and malformed heartbeats get Kafka's errors; the broker keeps serving")
    func heartbeatErrors() async throws {
        let share = try await Share.start()
        let joined = try share.heartbeat("g", "m1", epoch: 0, topics: ["t"])
        #expect(joined.memberEpoch == 1)
        #expect(try share.heartbeat("g", "m1", epoch: 7).errorCode == KafkaErrorCode.fencedMemberEpoch.rawValue)
        #expect(try share.heartbeat("g", "ghost", epoch: 1).errorCode == KafkaErrorCode.unknownMemberId.rawValue)
        #expect(try share.heartbeat("g", "ghost", epoch: -1).errorCode == KafkaErrorCode.unknownMemberId.rawValue)
        #expect(try share.heartbeat("nope", "m1", epoch: -1).errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        // After a restart the group is gone; the member is told to rejoin rather than given a fatal error.
        #expect(try share.heartbeat("nope", "m1", epoch: 3).errorCode == KafkaErrorCode.unknownMemberId.rawValue)

        let invalid: [(ShareGroupHeartbeatRequest, String)] = [
            (.init(groupId: "", memberId: "m", memberEpoch: 0, subscribedTopicNames: ["t"]), "GroupId can't be empty."),
            (.init(groupId: "g", memberId: "", memberEpoch: 0, subscribedTopicNames: ["t"]),
             "MemberId can't be empty."),
            (.init(groupId: "g", memberId: "m", memberEpoch: 0, subscribedTopicNames: nil),
             "SubscribedTopicNames must be set in first request."),
            (.init(groupId: "g", memberId: "m", memberEpoch: 0, subscribedTopicNames: []),
             "SubscribedTopicNames must be set in first request."),
            (.init(groupId: "g", memberId: "m", memberEpoch: -2), "MemberEpoch is invalid."),
            (.init(groupId: "g", memberId: "m", memberEpoch: 0, rackId: "", subscribedTopicNames: ["t"]),
             "RackId can't be empty."),
        ]
        for (request, message) in invalid {
            let answer = try share.connection.roundTrip(request, version: 1, as: ShareGroupHeartbeatResponse.self)
            #expect(answer.errorCode == KafkaErrorCode.invalidRequest.rawValue, "\(request)")
            #expect(answer.errorMessage == message)
        }
        #expect(try await share.broker.process.waitForLog("MemberEpoch is invalid.", timeout: .seconds(5)))
        #expect(try share.describe("").errorCode == KafkaErrorCode.invalidGroupId.rawValue)
        // Still serving, and the member that did nothing wrong is still in its group at its epoch.
        #expect(try share.heartbeat("g", "m1", epoch: 1).errorCode == 0)
        try await share.stop()
    }

    @Test("group.share.max.size and group.share.max.groups are answered with GROUP_MAX_SIZE_REACHED")
    func limits() async throws {
        let share = try await Share.start(["group.share.max.size=2", "group.share.max.groups=1"])
        #expect(try share.heartbeat("full", "m1", epoch: 0, topics: ["t"]).errorCode == 0)
        #expect(try share.heartbeat("full", "m2", epoch: 0, topics: ["t"]).errorCode == 0)
        let third = try share.heartbeat("full", "m3", epoch: 0, topics: ["t"])
        #expect(third.errorCode == KafkaErrorCode.groupMaxSizeReached.rawValue)
        #expect(third.errorMessage?.contains("group.share.max.size") == true)
        // A member already in the group may rejoin at epoch 0 even when the group is full.
        #expect(try share.heartbeat("full", "m2", epoch: 0, topics: ["t"]).errorCode == 0)
        let another = try share.heartbeat("second", "m1", epoch: 0, topics: ["t"])
        #expect(another.errorCode == KafkaErrorCode.groupMaxSizeReached.rawValue)
        #expect(another.errorMessage?.contains("group.share.max.groups") == true)
        try await share.stop()
    }

    @Test("an id a classic consumer group holds is not a share group, as Kafka answers")
    func classicGroupIdIsRefused() async throws {
        let share = try await Share.start(["group.initial.rebalance.delay.ms=0"])
        let joined = try share.joinClassic("classic")
        #expect(joined.errorCode == 0, "\(joined)")
        let answer = try share.heartbeat("classic", "m1", epoch: 0, topics: ["t"])
        #expect(answer.errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        #expect(answer.errorMessage == "Group classic is not a share group.")
        let described = try share.describe("classic")
        #expect(described.errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        #expect(described.errorMessage == "Group classic is not a share group.")
        try await share.stop()
    }

    @Test("a classic JoinGroup or OffsetCommit for an id a share group holds is GROUP_ID_NOT_FOUND, as Kafka answers")
    func shareGroupIdIsRefusedToClassicJoin() async throws {
        let share = try await Share.start(["group.initial.rebalance.delay.ms=0"])
        #expect(try share.heartbeat("queue", "m1", epoch: 0, topics: ["t"]).errorCode == 0)
        let joined = try share.joinClassic("queue")
        #expect(joined.errorCode == KafkaErrorCode.groupIdNotFound.rawValue, "\(joined)")
        #expect(try await share.broker.process.waitForLog("Group queue is not a classic group.", timeout: .seconds(5)))
        // Nor may a consumer that assigns partitions itself commit offsets under it (that would make a classic
        // group of the same id); DescribeGroups (up to v5, as Kafka before v6) says Dead without an error.
        _ = try share.createTopic("t", partitions: 1)
        let committed = try share.connection.roundTrip(
            OffsetCommitRequest(groupId: "queue", generationIdOrMemberEpoch: -1, topics: [
                .init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 1)]),
            ]), version: 8, as: OffsetCommitResponse.self)
        #expect(committed.topics.first?.partitions.first?.errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        let classic = try share.connection.roundTrip(
            DescribeGroupsRequest(groups: ["queue"]), version: 5, as: DescribeGroupsResponse.self)
        #expect(classic.groups.first.map { ($0.errorCode, $0.groupState) } ?? (-1, "") == (0, "Dead"))
        // The share group is untouched.
        #expect(try share.describe("queue").members.map(\.memberId) == ["m1"])
        try await share.stop()
    }

    @Test("FindCoordinator names this broker for a share group (key type 0) and a share partition (key type 2)")
    func findCoordinator() async throws {
        let share = try await Share.start()
        for keyType: Int8 in [0, 2] {
            let found = try share.connection.roundTrip(
                FindCoordinatorRequest(keyType: keyType, coordinatorKeys: ["queue", "queue:AAAAAAAAAAAAAAAAAAAAAA:0"]),
                version: 6, as: FindCoordinatorResponse.self)
            #expect(found.coordinators.map(\.errorCode) == [0, 0], "key type \(keyType)")
            #expect(found.coordinators.map(\.port) == [Int32(share.broker.port), Int32(share.broker.port)])
        }
        try await share.stop()
    }

    @Test("ApiVersions advertises the share group APIs at v1, the only version Kafka 4.1 and librdkafka 2.16 speak")
    func advertised() async throws {
        let share = try await Share.start()
        let versions = try share.connection.roundTrip(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self)
        let byKey = Dictionary(
            uniqueKeysWithValues: versions.apiKeys.map { ($0.apiKey, $0.minVersion...$0.maxVersion) })
        #expect(byKey[ApiKey.shareGroupHeartbeat.rawValue] == 1...1)
        #expect(byKey[ApiKey.shareGroupDescribe.rawValue] == 1...1)
        #expect(byKey[ApiKey.shareFetch.rawValue] == 1...1)
        #expect(byKey[ApiKey.shareAcknowledge.rawValue] == 1...1)
        #expect(byKey[ApiKey.metadata.rawValue] == 0...13)
        try await share.stop()
    }
}
