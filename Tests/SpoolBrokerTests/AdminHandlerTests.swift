import Foundation
import Logging
import NIOCore
import NIOPosix
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// A broker on a temporary data directory whose requests go straight through its `RequestDispatcher`: encoded
/// request frames in, decoded responses out, at any version (real clients only ever use a few).
final class RoutedBroker {
    let broker: Broker
    let router: RequestDispatcher
    private let server: Task<Void, any Error>

    init(configure: (inout BrokerConfiguration) -> Void = { _ in }) async throws {
        var configuration = BrokerConfiguration()
        configuration.dataDirectory = temporaryDataDirectory()
        configuration.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configure(&configuration)
        var logger = Logger(label: "spool-test")
        logger.logLevel = .warning
        broker = try await Broker(configuration: configuration, logger: logger)
        router = broker.server.dispatcher
        // The listener is bound by init; running it until cancelled lets `stop()` close it.
        server = Task { [broker] in try await broker.server.run() }
    }

    /// Sends `request` at `version` on `session` (a new anonymous connection by default) and decodes the answer.
    func call<Response: KafkaResponseMessage>(_ request: some KafkaRequestMessage, version: Int16,
                                              as type: Response.Type,
                                              session: ConnectionSession = ConnectionSession(remote: "test"))
        async throws -> Response
    {
        var frame = ByteBufferAllocator().buffer(capacity: 256)
        try KafkaCodec.encodeRequest(request, version: version, correlationId: 7, clientId: "test", into: &frame)
        frame.moveReaderIndex(forwardBy: 4)  // the size prefix; the router gets the frame body
        let reply = try await router.handle(
            frame: frame, session: session,
            eventLoop: NIOSingletons.posixEventLoopGroup.next(),
            gate: RequestGate())
        guard case .frame(var buffer) = reply else { throw UnexpectedReply() }
        buffer.moveReaderIndex(forwardBy: 4)
        let (header, body) = try KafkaCodec.decodeResponse(buffer, as: type, version: version)
        #expect(header.correlationId == 7)
        return body
    }

    func stop() async throws {
        server.cancel()
        _ = try? await server.value
        try await broker.logManager.shutdown()
    }

    struct UnexpectedReply: Error {}
}

@Suite struct AdminHandlerTests {
    @Test("every advertised version of the admin APIs creates, describes, alters, grows and deletes a topic")
    func everyVersion() async throws {
        let broker = try await RoutedBroker()
        for version in try #require(broker.router.registry.versions(of: .createTopics)) {
            let name = "topic-v\(version)"
            var create = CreateTopicsRequest(topics: [
                .init(name: name, numPartitions: 2, replicationFactor: 1,
                      configs: [.init(name: "retention.ms", value: "60000")]),
            ])
            create.timeoutMs = 1000
            let created = try await broker.call(create, version: version, as: CreateTopicsResponse.self)
            #expect(created.topics.map(\.errorCode) == [0], "CreateTopics v\(version): \(created)")
            if version >= 5 {
                #expect(created.topics.first?.numPartitions == 2)
                #expect(created.topics.first?.configs?.first { $0.name == "retention.ms" }?.value == "60000")
            }
            if version >= 7 { #expect(created.topics.first?.topicId != .zero) }
        }
        #expect(broker.broker.partitions.catalog.allTopics.count == 8)

        for version in try #require(broker.router.registry.versions(of: .describeConfigs)) {
            var describe = DescribeConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "topic-v0", configurationKeys: nil),
                .init(resourceType: 4, resourceName: "1", configurationKeys: ["num.partitions"]),
            ])
            if version >= 1 { describe.includeSynonyms = true }
            if version >= 3 { describe.includeDocumentation = true }
            let described = try await broker.call(describe, version: version, as: DescribeConfigsResponse.self)
            #expect(described.results.map(\.errorCode) == [0, 0], "DescribeConfigs v\(version)")
            let retention = described.results.first?.configs.first { $0.name == "retention.ms" }
            #expect(retention?.value == "60000")
            // From v1 (Kafka 4.x has no v0 and its is_default) every version carries the source.
            #expect(retention?.configSource == 1)
            #expect(described.results.last?.configs.map(\.name) == ["num.partitions"])
            #expect(described.results.last?.configs.first?.readOnly == true)
        }

        for version in try #require(broker.router.registry.versions(of: .incrementalAlterConfigs)) {
            let alter = IncrementalAlterConfigsRequest(resources: [
                .init(resourceType: 2, resourceName: "topic-v1", configs: [
                    .init(name: "segment.ms", configOperation: 0, value: "3600000"),
                    .init(name: "retention.ms", configOperation: 1, value: nil),
                ]),
            ])
            let altered = try await broker.call(alter, version: version, as: IncrementalAlterConfigsResponse.self)
            #expect(altered.responses.map(\.errorCode) == [0], "IncrementalAlterConfigs v\(version)")
        }
        #expect(broker.broker.partitions.catalog.topic("topic-v1")?.metadata.configs == ["segment.ms": "3600000"])

        for version in try #require(broker.router.registry.versions(of: .createPartitions)) {
            let grow = CreatePartitionsRequest(topics: [.init(name: "topic-v2", count: 3 + Int32(version))])
            let grown = try await broker.call(grow, version: version, as: CreatePartitionsResponse.self)
            #expect(grown.results.map(\.errorCode) == [0], "CreatePartitions v\(version)")
        }
        #expect(broker.broker.partitions.catalog.topic("topic-v2")?.logs.count == 6)

        for version in try #require(broker.router.registry.versions(of: .describeCluster)) {
            let cluster = try await broker.call(
                DescribeClusterRequest(), version: version, as: DescribeClusterResponse.self)
            #expect(cluster.errorCode == 0 && cluster.controllerId == 1 && cluster.brokers.map(\.brokerId) == [1])
        }

        for version in try #require(broker.router.registry.versions(of: .deleteTopics)) {
            var delete = DeleteTopicsRequest()
            let name = "topic-v\(version)"
            if version >= 6 {
                // v6 names the topic by its ID alone.
                let id = try #require(broker.broker.partitions.catalog.topic(name)?.topicId)
                delete.topics = [.init(name: nil, topicId: id)]
            } else {
                delete.topicNames = [name]
            }
            let deleted = try await broker.call(delete, version: version, as: DeleteTopicsResponse.self)
            #expect(deleted.responses.map(\.errorCode) == [0], "DeleteTopics v\(version): \(deleted)")
            #expect(deleted.responses.first?.name == name)
        }
        #expect(broker.broker.partitions.catalog.allTopics.map(\.name) == ["topic-v7"])
        try await broker.stop()
    }

    @Test("bad admin requests get per-resource Kafka errors and change nothing")
    func errors() async throws {
        let broker = try await RoutedBroker()
        let create = CreateTopicsRequest(topics: [
            .init(name: "twice", numPartitions: 1, replicationFactor: 1),
            .init(name: "twice", numPartitions: 2, replicationFactor: 1),
            .init(name: "replicated", numPartitions: 1, replicationFactor: 3),
            .init(name: "no-partitions", numPartitions: 0, replicationFactor: 1),
            .init(name: "elsewhere", numPartitions: -1, replicationFactor: -1,
                  assignments: [.init(partitionIndex: 0, brokerIds: [2])]),
            .init(name: "null-config", numPartitions: 1, replicationFactor: 1,
                  configs: [.init(name: "retention.ms", value: nil)]),
            .init(name: "ok", numPartitions: 1, replicationFactor: -1),
        ])
        let created = try await broker.call(create, version: 4, as: CreateTopicsResponse.self)
        #expect(
            created.topics.map(\.name) == ["twice", "replicated", "no-partitions", "elsewhere", "null-config", "ok"])
        #expect(created.topics.map(\.errorCode) == [42, 38, 37, 39, 40, 0])
        #expect(created.topics.dropLast().allSatisfy { ($0.errorMessage ?? "").isEmpty == false })
        #expect(broker.broker.partitions.catalog.allTopics.map(\.name) == ["ok"])

        let again = try await broker.call(
            CreateTopicsRequest(topics: [
                .init(name: "ok", numPartitions: 1, replicationFactor: 1),
                .init(name: "dot.ted", numPartitions: 1, replicationFactor: 1),
            ]), version: 1, as: CreateTopicsResponse.self)
        #expect(again.topics.map(\.errorCode) == [36, 0])
        let collision = try await broker.call(
            CreateTopicsRequest(topics: [.init(name: "dot_ted", numPartitions: 1, replicationFactor: 1)]),
            version: 1, as: CreateTopicsResponse.self)
        #expect(collision.topics.map(\.errorCode) == [17])
        _ = try await broker.call(
            DeleteTopicsRequest(topicNames: ["dot.ted"]), version: 1, as: DeleteTopicsResponse.self)

        let deleteBoth = DeleteTopicsRequest(topics: [
            .init(name: "ok", topicId: try #require(broker.broker.partitions.catalog.topic("ok")?.topicId)),
            .init(name: nil, topicId: KafkaUUID(high: 1, low: 2)),
        ])
        let deleted = try await broker.call(deleteBoth, version: 6, as: DeleteTopicsResponse.self)
        #expect(deleted.responses.map(\.errorCode) == [42, 100])
        let twice = try await broker.call(
            DeleteTopicsRequest(topicNames: ["ok", "ok"]), version: 4, as: DeleteTopicsResponse.self)
        #expect(twice.responses.map(\.errorCode) == [42])

        let alter = IncrementalAlterConfigsRequest(resources: [
            .init(resourceType: 2, resourceName: "ok",
                  configs: [.init(name: "retention.ms", configOperation: 2, value: "1000")]),
            .init(resourceType: 4, resourceName: "1",
                  configs: [.init(name: "num.partitions", configOperation: 0, value: "3")]),
            .init(resourceType: 2, resourceName: "missing", configs: []),
        ])
        let altered = try await broker.call(alter, version: 1, as: IncrementalAlterConfigsResponse.self)
        #expect(altered.responses.map(\.errorCode) == [40, 42, 3])
        #expect(altered.responses[0].errorMessage?.contains("not LIST") == true)
        #expect(altered.responses[1].errorMessage?.contains("read-only") == true)

        let describe = DescribeConfigsRequest(resources: [
            .init(resourceType: 4, resourceName: "2", configurationKeys: nil),
            .init(resourceType: 8, resourceName: "1", configurationKeys: nil),
        ])
        let described = try await broker.call(describe, version: 4, as: DescribeConfigsResponse.self)
        #expect(described.results.map(\.errorCode) == [42, 42])
        #expect(broker.broker.partitions.catalog.allTopics.map(\.name) == ["ok"])
        try await broker.stop()
    }
}
