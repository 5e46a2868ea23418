import NIOCore
import SpoolClient
import SpoolRecords
import Testing

@Suite("SpoolClient against a real broker", .serialized, .timeLimit(.minutes(2)))
struct ProduceConsumeTests {
    @Test(
        "records sent with each codec come back with their keys, values, headers and offsets",
        arguments: CompressionCodec.allCases)
    func roundTrip(codec: CompressionCodec) async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("round", partitions: 2)
        let producer = try Producer(client: client, configuration: .init(lingerMs: 2, compression: codec))
        var sent: [RecordMetadata] = []
        for index in 0..<200 {
            sent.append(
                try await producer.send(
                    topic: "round", key: ByteBuffer(string: "key-\(index % 7)"),
                    value: ByteBuffer(string: "value-\(index)"),
                    headers: [RecordHeader(key: "index", value: ByteBuffer(string: "\(index)"))]))
        }
        await producer.close()
        #expect(Set(sent.map(\.partition)).count == 2)

        let consumer = Consumer(client: client, configuration: .init(autoOffsetReset: .earliest))
        await consumer.assign([TopicPartition("round", 0), TopicPartition("round", 1)])
        var received: [ConsumerRecord] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while received.count < 200 && ContinuousClock.now < deadline {
            received += try await consumer.poll(timeoutMs: 500)
        }
        #expect(received.count == 200)
        for record in received {
            let value = record.value.map { String(buffer: $0) } ?? ""
            let index = Int(value.dropFirst("value-".count)) ?? -1
            #expect(record.key.map { String(buffer: $0) } == "key-\(index % 7)")
            #expect(record.headers.first?.value.map { String(buffer: $0) } == "\(index)")
            let metadata = sent[index]
            #expect(metadata.partition == record.partition && metadata.offset == record.offset)
        }
        await consumer.close()
        await client.close()
    }

    @Test("send of many records in one call: each completion gets its index, offsets follow the order")
    func sendMany() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("many", partitions: 2)
        let producer = try Producer(client: client, configuration: .init(lingerMs: 1, batchSizeBytes: 2_048))
        let results = Collector()
        let records = (0..<1_000).map { index in
            ProducerRecord(
                topic: "many", key: ByteBuffer(string: "k\(index % 5)"), value: ByteBuffer(string: "v\(index)"),
                partition: index < 600 ? 0 : 1, timestamp: index == 7 ? 1_234 : nil)
        }
        try await producer.send(records) { index, result in
            let line = (try? result.get()).map { "\(index) \($0.partition) \($0.offset) \($0.timestamp)" }
            Task { await results.add([line ?? "\(index) failed"]) }
        }
        await producer.close()
        try await waitUntil { await results.unique.count == 1_000 }
        let lines = await results.unique
        // Partition 0 holds records 0..<600 at offsets 0..<600, partition 1 the rest from offset 0.
        for index in [0, 7, 599, 600, 999] {
            let partition = index < 600 ? 0 : 1
            let offset = index < 600 ? index : index - 600
            let expected = "\(index) \(partition) \(offset)"
            #expect(lines.contains { $0.hasPrefix(expected + " ") }, "\(expected)")
        }
        #expect(lines.contains("7 0 7 1234"))
        #expect(!lines.contains { $0.hasSuffix("failed") })

        let values = try await readValues(TopicPartition("many", 0), client: client, count: 600)
        #expect(values == (0..<600).map { "v\($0)" })
        await client.close()
    }

    @Test("seek by beginning, end, offset and timestamp")
    func seeks() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("seeks", partitions: 1)
        let producer = try Producer(client: client, configuration: .init(lingerMs: 0))
        for index in 0..<10 {
            _ = try await producer.send(
                topic: "seeks", value: ByteBuffer(string: "v\(index)"), partition: 0, timestamp: 1_000 + Int64(index))
        }
        let partition = TopicPartition("seeks", 0)
        let consumer = Consumer(client: client, configuration: .init(prefetch: false))
        await consumer.assign([partition])
        try await consumer.seek(partition, to: .offset(4))
        #expect(try await consumer.poll(timeoutMs: 2_000).first?.offset == 4)
        try await consumer.seek(partition, to: .timestamp(1_007))
        #expect(try await consumer.poll(timeoutMs: 2_000).first?.offset == 7)
        try await consumer.seek(partition, to: .beginning)
        #expect(try await consumer.poll(timeoutMs: 2_000).first?.offset == 0)
        try await consumer.seek(partition, to: .end)
        #expect(try await consumer.poll(timeoutMs: 300).isEmpty)
        #expect(await consumer.position(partition) == 10)
        _ = try await producer.send(topic: "seeks", value: ByteBuffer(string: "late"), partition: 0)
        #expect(try await consumer.poll(timeoutMs: 2_000).map(\.offset) == [10])
        await producer.close()
        await consumer.close()
        await client.close()
    }

    @Test("a missing topic is UNKNOWN_TOPIC_OR_PARTITION and an unreachable broker a connection error")
    func errors() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        await #expect(throws: SpoolClientError.self) { try await Admin(client: client).describeTopic("nope") }
        do {
            _ = try await Admin(client: client).describeTopic("nope")
        } catch {
            #expect(error.kafkaErrorCode == .unknownTopicOrPartition)
            #expect("\(error)".contains("UNKNOWN_TOPIC_OR_PARTITION"))
        }
        await client.close()
        let nowhere = KafkaClient(
            configuration: ClientConfiguration(bootstrapServers: ["127.0.0.1:1"], connectTimeoutMs: 500))
        do {
            _ = try await Admin(client: nowhere).listTopics()
            Issue.record("listing topics on a closed port succeeded")
        } catch {
            #expect(error.isConnectionFailure)
        }
    }
}
