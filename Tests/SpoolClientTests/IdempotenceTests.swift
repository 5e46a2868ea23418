import NIOCore
import SpoolClient
import Testing

@Suite("idempotent producer", .serialized, .timeLimit(.minutes(2)))
struct IdempotenceTests {
    @Test("a batch retried after its response was lost is written once, and its records keep their offsets")
    func retryAfterDroppedConnection() async throws {
        // The broker advertises the proxy, so every connection of the client goes through it.
        let proxy = try await DroppingProxy()
        let broker = try await TestBroker(extraArguments: ["--set", "advertised.listen=127.0.0.1:\(proxy.port)"])
        defer { Task { await broker.stop() } }
        proxy.target.withLockedValue { $0 = broker.port }
        let client = KafkaClient(
            configuration: ClientConfiguration(
                bootstrapServers: ["127.0.0.1:\(proxy.port)"], requestTimeoutMs: 5_000, retryBackoffMs: 50))
        try await Admin(client: client).createTopic("once", partitions: 1)
        let producer = try Producer(client: client, configuration: .init(lingerMs: 0, deliveryTimeoutMs: 20_000))

        var offsets: [Int64] = []
        for index in 0..<20 {
            if index == 5 || index == 12 { proxy.dropNextProduceResponse.withLockedValue { $0 = true } }
            offsets.append(
                try await producer.send(topic: "once", value: ByteBuffer(string: "r\(index)"), partition: 0).offset)
        }
        await producer.close()
        #expect(proxy.dropped.withLockedValue { $0 } == 2)
        #expect(offsets == (0..<20).map(Int64.init))

        let consumer = Consumer(client: client, configuration: .init(autoOffsetReset: .earliest))
        await consumer.assign([TopicPartition("once", 0)])
        var values: [String] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while values.count < 20 && ContinuousClock.now < deadline {
            values += try await consumer.poll(timeoutMs: 500).compactMap { $0.value.map { String(buffer: $0) } }
        }
        #expect(try await consumer.poll(timeoutMs: 300).isEmpty)
        #expect(values == (0..<20).map { "r\($0)" })
        let end = try await client.listOffsets([TopicPartition("once", 0): KafkaClient.latestTimestamp])
        #expect(end[TopicPartition("once", 0)] == 20)
        await consumer.close()
        await client.close()
        await proxy.close()
    }
}
