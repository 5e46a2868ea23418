import Foundation
import NIOCore
import NIOPosix
import SpoolProtocol
import SpoolRecords
import Testing

@testable import SpoolBroker

/// ACLs through the broker's real dispatch, authorizer, SQLite store and logs: the ACL APIs, their persistence,
/// and what a principal with a few ACLs may and may not do.
@Suite struct AclBrokerTests {
    private static let admin = KafkaPrincipal(name: "admin")
    private static let alice = KafkaPrincipal(name: "alice")

    private static func secured(_ directory: String = temporaryDataDirectory()) async throws -> RoutedBroker {
        try await RoutedBroker { configuration in
            configuration.dataDirectory = directory
            configuration.authorizerClassName = "spool"
            configuration.superUsers = "User:admin"
        }
    }

    private static func session(_ principal: KafkaPrincipal) -> ConnectionSession {
        ConnectionSession(remote: "test", host: "/127.0.0.1", principal: principal)
    }

    private static func creation(_ type: AclResourceType, _ name: String, _ operation: AclOperation,
                                 pattern: AclPatternType = .literal, principal: String = "User:alice")
        -> CreateAclsRequest.AclCreation
    {
        .init(resourceType: type.rawValue, resourceName: name, resourcePatternType: pattern.rawValue,
              principal: principal, host: "*", operation: operation.rawValue,
              permissionType: AclPermissionType.allow.rawValue)
    }

    private static func describeAll(_ broker: RoutedBroker, as principal: KafkaPrincipal = admin) async throws
        -> DescribeAclsResponse
    {
        try await broker.call(
            DescribeAclsRequest(
                resourceTypeFilter: AclResourceType.any.rawValue, resourceNameFilter: nil,
                patternTypeFilter: AclPatternType.any.rawValue, principalFilter: nil, hostFilter: nil,
                operation: AclOperation.any.rawValue, permissionType: AclPermissionType.any.rawValue),
            version: 3, as: DescribeAclsResponse.self, session: session(principal))
    }

    @Test("CreateAcls, DescribeAcls and DeleteAcls round trip; bad bindings get INVALID_REQUEST, a non-super user CLUSTER_AUTHORIZATION_FAILED, and the ACLs survive a restart")
    func roundTripAndRestart() async throws {
        let directory = temporaryDataDirectory()
        let broker = try await Self.secured(directory)
        var bad = Self.creation(.topic, "a", .read)
        bad.resourcePatternType = AclPatternType.match.rawValue
        let created = try await broker.call(
            CreateAclsRequest(creations: [
                Self.creation(.topic, "a", .read), Self.creation(.group, "g", .read),
                Self.creation(.topic, "logs.", .write, pattern: .prefixed), bad,
            ]),
            version: 3, as: CreateAclsResponse.self, session: Self.session(Self.admin))
        #expect(created.results.map(\.errorCode) == [0, 0, 0, KafkaErrorCode.invalidRequest.rawValue])
        let refused = try await broker.call(
            CreateAclsRequest(creations: [Self.creation(.topic, "x", .all)]), version: 3,
            as: CreateAclsResponse.self, session: Self.session(Self.alice))
        #expect(refused.results.map(\.errorCode) == [KafkaErrorCode.clusterAuthorizationFailed.rawValue])
        #expect(try await Self.describeAll(broker, as: Self.alice).errorCode
            == KafkaErrorCode.clusterAuthorizationFailed.rawValue)
        try await broker.stop()

        let restarted = try await Self.secured(directory)
        let described = try await Self.describeAll(restarted)
        #expect(described.errorCode == 0)
        #expect(described.resources.map(\.resourceName).sorted() == ["a", "g", "logs."])
        let prefixed = try #require(described.resources.first { $0.resourceName == "logs." })
        #expect(prefixed.patternType == AclPatternType.prefixed.rawValue)
        #expect(prefixed.acls.map(\.principal) == ["User:alice"])

        let deleted = try await restarted.call(
            DeleteAclsRequest(filters: [
                .init(resourceTypeFilter: AclResourceType.topic.rawValue, resourceNameFilter: "logs.writer",
                      patternTypeFilter: AclPatternType.match.rawValue, principalFilter: nil, hostFilter: nil,
                      operation: AclOperation.any.rawValue, permissionType: AclPermissionType.any.rawValue),
                .init(resourceTypeFilter: 0, resourceNameFilter: nil, patternTypeFilter: 1, principalFilter: nil,
                      hostFilter: nil, operation: 1, permissionType: 1),
            ]),
            version: 3, as: DeleteAclsResponse.self, session: Self.session(Self.admin))
        #expect(deleted.filterResults.map(\.errorCode) == [0, KafkaErrorCode.invalidRequest.rawValue])
        #expect(deleted.filterResults.first?.matchingAcls.map(\.resourceName) == ["logs."])
        #expect(try await Self.describeAll(restarted).resources.map(\.resourceName).sorted() == ["a", "g"])
        try await restarted.stop()
    }

    @Test("with no authorizer configured the ACL APIs answer SECURITY_DISABLED")
    func securityDisabled() async throws {
        let broker = try await RoutedBroker()
        let created = try await broker.call(
            CreateAclsRequest(creations: [Self.creation(.topic, "a", .read)]), version: 2, as: CreateAclsResponse.self)
        #expect(created.results.map(\.errorCode) == [KafkaErrorCode.securityDisabled.rawValue])
        #expect(try await Self.describeAll(broker).errorCode == KafkaErrorCode.securityDisabled.rawValue)
        try await broker.stop()
    }

    @Test("ACL matrix: with only READ on topic a and group g, alice fetches a and commits in g, but cannot produce to a, see or delete b, commit in h, or delete a's records; the data stays")
    func matrix() async throws {
        let broker = try await Self.secured()
        let catalog = broker.broker.partitions.catalog
        for name in ["a", "b"] {
            _ = try await catalog.createTopic(name: name, partitions: 1, configs: [:])
            let produced = try await broker.call(
                Self.produce(name), version: 9, as: ProduceResponse.self, session: Self.session(Self.admin))
            #expect(produced.responses.first?.partitionResponses.first?.errorCode == 0)
        }
        let created = try await broker.call(
            CreateAclsRequest(creations: [Self.creation(.topic, "a", .read), Self.creation(.group, "g", .read)]),
            version: 3, as: CreateAclsResponse.self, session: Self.session(Self.admin))
        #expect(created.results.map(\.errorCode) == [0, 0])
        let alice = Self.session(Self.alice)

        let fetched = try await Self.fetch(broker, topic: "a", session: alice)
        #expect(fetched.errorCode == 0 && (fetched.records?.readableBytes ?? 0) > 0)
        #expect(try await Self.fetch(broker, topic: "b", session: alice).errorCode == Self.topicDenied)

        #expect(try await Self.commit(broker, group: "g", session: alice) == 0)
        #expect(try await Self.commit(broker, group: "h", session: alice)
            == KafkaErrorCode.groupAuthorizationFailed.rawValue)

        let produced = try await broker.call(Self.produce("a"), version: 9, as: ProduceResponse.self, session: alice)
        #expect(produced.responses.first?.partitionResponses.first?.errorCode == Self.topicDenied)

        let listed = try await broker.call(MetadataRequest(topics: nil), version: 12, as: MetadataResponse.self,
                                           session: alice)
        #expect(listed.topics.compactMap(\.name) == ["a"])
        let named = try await broker.call(
            MetadataRequest(topics: [.init(name: "b")], allowAutoTopicCreation: false), version: 12,
            as: MetadataResponse.self, session: alice)
        #expect(named.topics.map(\.errorCode) == [Self.topicDenied])

        let deleteTopic = try await broker.call(
            DeleteTopicsRequest(topicNames: ["b"], timeoutMs: 1000), version: 4, as: DeleteTopicsResponse.self,
            session: alice)
        #expect(deleteTopic.responses.map(\.errorCode) == [Self.topicDenied])
        let deleteRecords = try await broker.call(
            DeleteRecordsRequest(
                topics: [.init(name: "a", partitions: [.init(partitionIndex: 0, offset: -1)])], timeoutMs: 1000),
            version: 2, as: DeleteRecordsResponse.self, session: alice)
        #expect(deleteRecords.topics.first?.partitions.first?.errorCode == Self.topicDenied)

        // The data stays: b exists, a still starts at offset 0 with its records.
        #expect(catalog.topic("b") != nil)
        let log = try #require(catalog.topic("a")?.log(0))
        #expect(log.logStartOffset == 0 && log.logEndOffset == 2)
        try await broker.stop()
    }

    @Test("the rest of Kafka's mapping: CREATE by prefix for CreateTopics and auto-creation, idempotent InitProducerId by any topic WRITE, transactional ids, FindCoordinator, ListGroups filtering, DescribeConfigs and DescribeCluster")
    func mapping() async throws {
        let broker = try await Self.secured()
        let admin = Self.session(Self.admin)
        _ = try await broker.broker.partitions.catalog.createTopic(name: "a", partitions: 1, configs: [:])
        for group in ["g", "h"] { #expect(try await Self.commit(broker, group: group, session: admin) == 0) }
        let created = try await broker.call(
            CreateAclsRequest(creations: [
                Self.creation(.topic, "alice.", .create, pattern: .prefixed), Self.creation(.topic, "a", .write),
                Self.creation(.group, "g", .describe),
            ]),
            version: 3, as: CreateAclsResponse.self, session: admin)
        #expect(created.results.map(\.errorCode) == [0, 0, 0])
        let alice = Self.session(Self.alice)

        let topics = try await broker.call(
            CreateTopicsRequest(topics: [
                .init(name: "alice.x", numPartitions: 1, replicationFactor: 1),
                .init(name: "other", numPartitions: 1, replicationFactor: 1),
            ]),
            version: 5, as: CreateTopicsResponse.self, session: alice)
        #expect(topics.topics.map(\.errorCode) == [0, Self.topicDenied])
        // alice may not DESCRIBE what she may only CREATE: auto-creation is refused at the DESCRIBE check.
        let auto = try await broker.call(
            MetadataRequest(topics: [.init(name: "nope")], allowAutoTopicCreation: true), version: 12,
            as: MetadataResponse.self, session: alice)
        #expect(auto.topics.map(\.errorCode) == [Self.topicDenied])
        #expect(broker.broker.partitions.catalog.topic("nope") == nil)

        let idempotent = try await broker.call(
            InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: 60000), version: 4,
            as: InitProducerIdResponse.self, session: alice)
        #expect(idempotent.errorCode == 0 && idempotent.producerId >= 0)
        let transactional = try await broker.call(
            InitProducerIdRequest(transactionalId: "t1", transactionTimeoutMs: 60000), version: 4,
            as: InitProducerIdResponse.self, session: alice)
        #expect(transactional.errorCode == KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue)
        var produce = try Self.produce("a")
        produce.transactionalId = "t1"
        let produced = try await broker.call(produce, version: 9, as: ProduceResponse.self, session: alice)
        #expect(produced.responses.first?.partitionResponses.first?.errorCode
            == KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue)
        let plain = try await broker.call(Self.produce("a"), version: 9, as: ProduceResponse.self, session: alice)
        #expect(plain.responses.first?.partitionResponses.first?.errorCode == 0)

        let coordinators = try await broker.call(
            FindCoordinatorRequest(keyType: 0, coordinatorKeys: ["g", "h"]), version: 4,
            as: FindCoordinatorResponse.self, session: alice)
        #expect(coordinators.coordinators.map(\.errorCode) == [0, KafkaErrorCode.groupAuthorizationFailed.rawValue])
        let groups = try await broker.call(ListGroupsRequest(), version: 4, as: ListGroupsResponse.self,
                                           session: alice)
        #expect(groups.groups.map(\.groupId) == ["g"])
        #expect(try await broker.call(ListGroupsRequest(), version: 4, as: ListGroupsResponse.self, session: admin)
            .groups.map(\.groupId).sorted() == ["g", "h"])

        let configs = try await broker.call(
            DescribeConfigsRequest(resources: [.init(resourceType: 2, resourceName: "a", configurationKeys: nil)]),
            version: 4, as: DescribeConfigsResponse.self, session: alice)
        #expect(configs.results.map(\.errorCode) == [Self.topicDenied])
        let cluster = try await broker.call(DescribeClusterRequest(), version: 1, as: DescribeClusterResponse.self,
                                            session: alice)
        #expect(cluster.errorCode == KafkaErrorCode.clusterAuthorizationFailed.rawValue)
        try await broker.stop()
    }

    private static let topicDenied = KafkaErrorCode.topicAuthorizationFailed.rawValue

    private static func produce(_ topic: String) throws -> ProduceRequest {
        var builder = RecordBatchBuilder()
        for value in ["one", "two"] {
            builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 1_700_000_000_000)
        }
        return ProduceRequest(
            acks: -1, timeoutMs: 5_000,
            topicData: [.init(name: topic, partitionData: [.init(index: 0, records: builder.build())])])
    }

    private static func commit(_ broker: RoutedBroker, group: String, session: ConnectionSession) async throws
        -> Int16?
    {
        var commit = OffsetCommitRequest(groupId: group)
        commit.topics = [.init(name: "a", partitions: [.init(partitionIndex: 0, committedOffset: 1)])]
        let response = try await broker.call(commit, version: 2, as: OffsetCommitResponse.self, session: session)
        return response.topics.first?.partitions.first?.errorCode
    }

    /// Fetches partition 0 of `topic` from offset 0; the reply's file parts are read back into the frame.
    private static func fetch(_ broker: RoutedBroker, topic: String, session: ConnectionSession) async throws
        -> FetchResponse.PartitionData
    {
        let request = FetchRequest(
            maxWaitMs: 0, minBytes: 0,
            topics: [.init(topic: topic, partitions: [.init(fetchOffset: 0, partitionMaxBytes: 1 << 20)])])
        var frame = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeRequest(request, version: 12, correlationId: 7, clientId: "test", into: &frame)
        frame.moveReaderIndex(forwardBy: 4)
        let reply = try await broker.router.handle(
            frame: frame, session: session, eventLoop: NIOSingletons.posixEventLoopGroup.next(), gate: RequestGate())
        guard case .parts(let parts) = reply else { throw RoutedBroker.UnexpectedReply() }
        var buffer = ByteBufferAllocator().buffer(capacity: 1024)
        for part in parts {
            switch part {
            case .bytes(var bytes): buffer.writeBuffer(&bytes)
            case .file(let slice):
                var read = try slice.file.read(count: slice.length, at: slice.position)
                buffer.writeBuffer(&read)
            }
        }
        buffer.moveReaderIndex(forwardBy: 4)
        let (_, body) = try KafkaCodec.decodeResponse(buffer, as: FetchResponse.self, version: 12)
        return try #require(body.responses.first?.partitions.first)
    }
}
