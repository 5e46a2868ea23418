import Foundation
import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

@testable import SpoolBroker

/// The `__` prefix Kafka keeps for internal topics: never auto-created, never created on request, never appended
/// to; a topic by such a name from an older data directory stays readable.
@Suite struct InternalTopicTests {
    static let unknown = KafkaErrorCode.unknownTopicOrPartition.rawValue
    static let invalidTopic = KafkaErrorCode.invalidTopicException.rawValue

    @Test("Metadata for __consumer_offsets answers UNKNOWN_TOPIC_OR_PARTITION and creates nothing, at every version")
    func metadataNeverAutoCreates() async throws {
        let broker = try await RoutedBroker()
        for version in try #require(broker.router.registry.versions(of: .metadata)) {
            let request = MetadataRequest(
                topics: [.init(name: "__consumer_offsets"), .init(name: "__x-\(version)")],
                allowAutoTopicCreation: true)
            let response = try await broker.call(request, version: version, as: MetadataResponse.self)
            #expect(response.topics.map(\.errorCode) == [Self.unknown, Self.unknown], "v\(version): \(response)")
        }
        #expect(broker.broker.partitions.catalog.allTopics.isEmpty)
        // Auto-creation itself is still on for other names, one underscore included.
        let ordinary = MetadataRequest(topics: [.init(name: "_one")], allowAutoTopicCreation: true)
        let created = try await broker.call(ordinary, version: 12, as: MetadataResponse.self)
        #expect(created.topics.map(\.errorCode) == [0])
        try await broker.stop()
    }

    @Test("CreateTopics refuses a __ name with INVALID_TOPIC_EXCEPTION saying why, validate_only too")
    func createTopicsRefuses() async throws {
        let broker = try await RoutedBroker()
        for validateOnly in [true, false] {
            var request = CreateTopicsRequest(
                topics: [.init(name: "__consumer_offsets", numPartitions: 1, replicationFactor: 1),
                         .init(name: "fine", numPartitions: 1, replicationFactor: 1)])
            request.validateOnly = validateOnly
            let response = try await broker.call(request, version: 7, as: CreateTopicsResponse.self)
            let refused = try #require(response.topics.first { $0.name == "__consumer_offsets" })
            #expect(refused.errorCode == Self.invalidTopic)
            #expect(refused.errorMessage?.contains("reserved for Kafka's internal topics") == true, "\(refused)")
            #expect(response.topics.first { $0.name == "fine" }?.errorCode == 0)
        }
        #expect(broker.broker.partitions.catalog.allTopics.map(\.name) == ["fine"])
        try await broker.stop()
    }

    @Test("a __ topic from an older data directory serves fetches and refuses produce with INVALID_TOPIC_EXCEPTION")
    func legacyTopicIsReadOnly() async throws {
        let directory = temporaryDataDirectory()
        // An older Spool created it: the store takes the name, as it did then.
        let old = try await RoutedBroker { $0.dataDirectory = directory }
        _ = try await old.broker.partitions.catalog.store.createTopic(
            name: "__legacy", partitionCount: 1, configs: [:])
        try await old.stop()

        let broker = try await RoutedBroker { $0.dataDirectory = directory }
        let log = try #require(broker.broker.partitions.catalog.topic("__legacy")?.log(0))
        _ = try log.append(try Self.batch(["kept"]))  // what the older Spool had written
        let records = try Self.batch(["new"]).buffer
        let produce = ProduceRequest(
            acks: -1, timeoutMs: 5_000,
            topicData: [.init(name: "__legacy", partitionData: [.init(index: 0, records: records)])])
        let produced = try await broker.call(produce, version: 9, as: ProduceResponse.self)
        let answer = try #require(produced.responses.first?.partitionResponses.first)
        #expect(answer.errorCode == Self.invalidTopic, "\(answer)")
        #expect(answer.errorMessage?.contains("cannot append to internal topic __legacy") == true, "\(answer)")
        #expect(log.logEndOffset == 1)

        // A real consumer still reads what was there (a blocking connection here could starve the broker's tasks).
        let kcat = "/usr/bin/kcat"
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let bootstrap = "127.0.0.1:\(try await Self.port(of: broker))"
        let consumed = try await run(kcat, ["-b", bootstrap, "-C", "-t", "__legacy", "-o", "beginning", "-e", "-q"])
        #expect(consumed.stdout == "kept\n", "\(consumed.stderr)")
        try await broker.stop()
    }

    /// The port the broker's listener bound (port 0 asks for any).
    static func port(of broker: RoutedBroker) async throws -> Int {
        for _ in 0..<100 {
            if let port = broker.broker.server.localPort { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RoutedBroker.UnexpectedReply()
    }

    static func batch(_ values: [String]) throws -> RecordBatch {
        var builder = RecordBatchBuilder()
        for value in values { builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 1_700_000_000_000) }
        return try RecordBatch(buffer: builder.build())
    }
}
