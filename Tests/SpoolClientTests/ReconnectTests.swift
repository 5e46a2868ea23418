import NIOCore
import NIOPosix
import SpoolClient
import Testing

@Suite("reconnecting", .serialized, .timeLimit(.minutes(2)))
struct ReconnectTests {
    @Test("a send made while no broker listens succeeds once the broker comes up (reconnect with backoff)")
    func brokerComesLater() async throws {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress?.port ?? 0
        try await probe.close()
        let client = KafkaClient(configuration: ClientConfiguration(
            bootstrapServers: ["127.0.0.1:\(port)"], connectTimeoutMs: 500, requestTimeoutMs: 5_000,
            retryBackoffMs: 50, retryBackoffMaxMs: 400, allowAutoTopicCreation: true))
        let producer = try Producer(client: client, configuration: .init(lingerMs: 0))
        let sent = Task { try await producer.send(topic: "late", value: ByteBuffer(string: "hello")) }
        try await Task.sleep(for: .seconds(1))
        let broker = try await TestBroker(extraArguments: ["--listen", "127.0.0.1:\(port)"])
        defer { Task { await broker.stop() } }
        #expect(broker.port == port)
        let metadata = try await sent.value
        #expect(metadata.offset == 0)
        await producer.close()
        await client.close()
    }
}

@Suite("metadata cache", .serialized, .timeLimit(.minutes(2)))
struct MetadataAgeTests {
    @Test("cached topic metadata expires after metadataMaxAgeMs, so a producer sees added partitions")
    func addedPartitionsAreSeen() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        var configuration = broker.clientConfiguration()
        configuration.metadataMaxAgeMs = 200
        let client = KafkaClient(configuration: configuration)
        let admin = Admin(client: KafkaClient(configuration: broker.clientConfiguration()))
        try await admin.createTopic("growing", partitions: 1)
        #expect(try await client.topicMetadata("growing").partitions.count == 1)
        try await admin.createPartitions(topic: "growing", totalCount: 3)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await client.topicMetadata("growing").partitions.count == 3)
        let producer = try Producer(client: client, configuration: .init(lingerMs: 0))
        #expect(try await producer.send(topic: "growing", value: ByteBuffer(string: "p2"), partition: 2).offset == 0)
        await producer.close()
        await client.close()
        await admin.client.close()
    }
}
