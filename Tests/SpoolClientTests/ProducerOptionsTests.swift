import NIOCore
import SpoolClient
import Testing

@Suite("producer options and the consumer's AsyncSequence", .serialized, .timeLimit(.minutes(2)))
struct ProducerOptionsTests {
    @Test("acks 0 and 1 write the records; acks 0 reports offset -1")
    func acks() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("acks", partitions: 1)
        let none = try Producer(client: client, configuration: .init(acks: .none, idempotent: false))
        let fired = try await none.send(topic: "acks", value: ByteBuffer(string: "zero"))
        #expect(fired.offset == -1)
        await none.close()
        let leader = try Producer(client: client, configuration: .init(acks: .leader, idempotent: false))
        #expect(try await leader.send(topic: "acks", value: ByteBuffer(string: "one")).offset == 1)
        await leader.close()
        #expect(throws: SpoolClientError.self) { try Producer(client: client, configuration: .init(acks: .leader)) }
        await client.close()
    }

    @Test("a small buffer.memory makes send wait for acknowledgements instead of growing without bound")
    func backPressure() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("bounded", partitions: 1)
        let producer = try Producer(
            client: client, configuration: .init(lingerMs: 20, batchSizeBytes: 2_048, bufferMemoryBytes: 8_192))
        let value = ByteBuffer(repeating: UInt8(ascii: "x"), count: 500)
        let acknowledged = Collector()
        for _ in 0..<400 {
            try await producer.send(topic: "bounded", value: value) { result in
                if case .success(let metadata) = result { Task { await acknowledged.add(["\(metadata.offset)"]) } }
            }
            #expect(await producer.bufferedRecordBytes <= 8_192)
        }
        await producer.close()
        try await waitUntil { await acknowledged.unique.count == 400 }
        await client.close()
    }

    @Test("records as an AsyncSequence, and a group's manual commit survives the consumer")
    func asyncSequenceAndCommit() async throws {
        let broker = try await TestBroker(extraArguments: ["--set", "group.initial.rebalance.delay.ms=0"])
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("stream", partitions: 1)
        let producer = try Producer(client: client)
        for index in 0..<10 { try await producer.send(topic: "stream", value: ByteBuffer(string: "\(index)")) { _ in } }
        await producer.close()

        var configuration = ConsumerConfiguration(
            groupId: "manual", autoOffsetReset: .earliest, enableAutoCommit: false)
        configuration.heartbeatIntervalMs = 200
        configuration.sessionTimeoutMs = 6_000
        let first = Consumer(client: client, configuration: configuration)
        try await first.subscribe(["stream"])
        var values: [String] = []
        for try await record in first.records {
            values.append(record.value.map { String(buffer: $0) } ?? "")
            if values.count == 6 { break }
        }
        #expect(values == (0..<6).map(String.init))
        try await first.commit([TopicPartition("stream", 0): 6])
        await first.close()

        let second = Consumer(client: client, configuration: configuration)
        try await second.subscribe(["stream"])
        var rest: [String] = []
        for try await record in second.records {
            rest.append(record.value.map { String(buffer: $0) } ?? "")
            if rest.count == 4 { break }
        }
        #expect(rest == ["6", "7", "8", "9"])
        await second.close()
        await client.close()
    }
}
