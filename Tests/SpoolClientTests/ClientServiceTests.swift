import Logging
import NIOCore
import ServiceLifecycle
import SpoolClient
import Synchronization
import Testing

@Suite("SpoolClient producers and consumers as ServiceLifecycle services", .serialized, .timeLimit(.minutes(2)))
struct ClientServiceTests {
    @Test("a producer in a ServiceGroup sends the records it holds on graceful shutdown, then refuses sends")
    func producerService() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("lifecycle", partitions: 2)
        // A linger far longer than the test: only the flush on shutdown can send these records.
        let producer = try Producer(client: broker.clientConfiguration(), configuration: .init(lingerMs: 600_000))
        let group = ServiceGroup(services: [producer], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let acknowledged = Mutex<[RecordMetadata]>([])
        for index in 0..<100 {
            try await producer.send(
                topic: "lifecycle", key: ByteBuffer(string: "\(index)"), value: ByteBuffer(string: "\(index)")
            ) { result in
                if case .success(let written) = result { acknowledged.withLock { $0.append(written) } }
            }
        }
        #expect(acknowledged.withLock { $0.isEmpty })

        await group.triggerGracefulShutdown()
        try await running.value
        let written = acknowledged.withLock { $0 }
        #expect(written.count == 100)
        let ends = try await client.listOffsets([
            TopicPartition("lifecycle", 0): -1, TopicPartition("lifecycle", 1): -1,
        ])
        #expect(ends.values.reduce(0, +) == 100)
        await #expect(throws: SpoolClientError.self) {
            try await producer.send(topic: "lifecycle", value: ByteBuffer(string: "late"))
        }
        await client.close()
    }

    @Test("a group consumer in a ServiceGroup commits what it read and leaves the group on graceful shutdown")
    func consumerService() async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "group.initial.rebalance.delay.ms=0"])
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("lifecycle", partitions: 1)
        let producer = try Producer(client: client)
        for index in 0..<10 { _ = try await producer.send(topic: "lifecycle", value: ByteBuffer(string: "\(index)")) }

        // No periodic commit within the test: only the shutdown can commit.
        var configuration = ConsumerConfiguration(groupId: "lifecycle-group", autoOffsetReset: .earliest)
        configuration.autoCommitIntervalMs = 600_000
        let consumer = Consumer(client: broker.clientConfiguration(), configuration: configuration)
        try await consumer.subscribe(["lifecycle"])
        let group = ServiceGroup(services: [consumer], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var received = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while received < 10 && ContinuousClock.now < deadline { received += try await consumer.poll().count }
        #expect(received == 10)
        let before = try await client.committedOffsets(group: "lifecycle-group", partitions: nil)
        #expect(before.isEmpty)

        await group.triggerGracefulShutdown()
        try await running.value
        let after = try await client.committedOffsets(group: "lifecycle-group", partitions: nil)
        #expect(after == [TopicPartition("lifecycle", 0): 10])
        await #expect(throws: SpoolClientError.self) { try await consumer.poll(timeoutMs: 100) }
        await client.close()
    }
}
