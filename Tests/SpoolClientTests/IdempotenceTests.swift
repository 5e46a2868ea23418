import NIOConcurrencyHelpers
import NIOCore
import SpoolClient
import Testing

@Suite("idempotent producer", .serialized, .timeLimit(.minutes(2)))
struct IdempotenceTests {
    /// A broker that advertises a `DroppingProxy`, so every connection of the client goes through it, and a
    /// one-partition topic.
    static func brokerBehindProxy(topic: String) async throws -> (DroppingProxy, TestBroker, KafkaClient) {
        let proxy = try await DroppingProxy()
        let broker = try await TestBroker(extraArguments: ["--set", "advertised.listen=127.0.0.1:\(proxy.port)"])
        proxy.target.withLockedValue { $0 = broker.port }
        let client = KafkaClient(
            configuration: ClientConfiguration(
                bootstrapServers: ["127.0.0.1:\(proxy.port)"], requestTimeoutMs: 5_000, retryBackoffMs: 50))
        try await Admin(client: client).createTopic(topic, partitions: 1)
        return (proxy, broker, client)
    }

    @Test("a batch retried after its response was lost is written once, and its records keep their offsets")
    func retryAfterDroppedConnection() async throws {
        let (proxy, broker, client) = try await Self.brokerBehindProxy(topic: "once")
        defer { Task { await broker.stop() } }
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

    @Test("five batches of a partition in flight, two connections lost under them: every record once, in order")
    func pipelinedRetries() async throws {
        let (proxy, broker, client) = try await Self.brokerBehindProxy(topic: "piped")
        defer { Task { await broker.stop() } }
        // Small batches and no linger: thousands of batches, so several are always waiting on the fsync.
        let producer = try Producer(
            client: client, configuration: .init(lingerMs: 0, batchSizeBytes: 1_024, deliveryTimeoutMs: 30_000))
        let count = 4_000
        let results = NIOLockedValueBox([Int: Result<RecordMetadata, SpoolClientError>]())
        // The 20th and 150th Produce requests lose their answers (of some 400), each with others in flight.
        proxy.dropProduceNumbers.withLockedValue { $0 = [20, 150] }
        for index in 0..<count {
            try await producer.send(
                topic: "piped", value: ByteBuffer(string: "r\(index)-" + String(repeating: "x", count: 90)),
                partition: 0
            ) { result in results.withLockedValue { $0[index] = result } }
        }
        await producer.flush()
        await producer.close()
        #expect(proxy.dropped.withLockedValue { $0 } == 2)
        #expect(proxy.mostProducesInFlight.withLockedValue { $0 } > 1)
        #expect(proxy.mostProducesInFlight.withLockedValue { $0 } <= 5)
        let failures = results.withLockedValue { all in
            all.compactMap { index, result in if case .failure(let error) = result { "\(index): \(error)" } else { nil } }
        }
        #expect(failures.isEmpty, "\(failures.sorted().prefix(5))")
        let offsets = results.withLockedValue { all in (0..<count).map { try? all[$0]?.get().offset } }
        #expect(offsets == (0..<count).map { Int64($0) })

        let values = try await readValues(TopicPartition("piped", 0), client: client, count: count)
        #expect(values.map { String($0.prefix { $0 != "-" }) } == (0..<count).map { "r\($0)" })
        let end = try await client.listOffsets([TopicPartition("piped", 0): KafkaClient.latestTimestamp])
        #expect(end[TopicPartition("piped", 0)] == Int64(count))
        await client.close()
        await proxy.close()
    }
}
