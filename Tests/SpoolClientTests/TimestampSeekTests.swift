import Foundation
import NIOCore
import SpoolClient
import Testing

@Suite("seeks by timestamp land on the record", .serialized, .timeLimit(.minutes(2)))
struct TimestampSeekTests {
    @Test("seek by timestamp inside one 100-record batch lands on the first record at or after it")
    func seekInsideABatch() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        try await Admin(client: client).createTopic("seek-times", partitions: 1)
        // A long linger and one call queue all 100 records into one batch, a second apart.
        let producer = try Producer(client: client, configuration: .init(lingerMs: 1_000, compression: .zstd))
        let base: Int64 = 1_700_000_000_000
        let records = (0..<100).map {
            ProducerRecord(
                topic: "seek-times", value: ByteBuffer(string: "v\($0)"), partition: 0,
                timestamp: base + Int64($0) * 1000)
        }
        let acknowledged = Acknowledgements()
        try await producer.send(records) { index, result in acknowledged.add(index, try? result.get().offset) }
        await producer.flush()
        #expect(acknowledged.offsets == (0..<100).map { Int64($0) })

        let partition = TopicPartition("seek-times", 0)
        let consumer = Consumer(client: client, configuration: .init(prefetch: false))
        await consumer.assign([partition])
        try await consumer.seek(partition, to: .timestamp(base + 50_000))
        let first = try #require(try await consumer.poll(timeoutMs: 2_000).first)
        #expect(first.offset == 50)
        #expect(first.timestamp == base + 50_000)
        await producer.close()
        await consumer.close()
        await client.close()
    }
}

/// Offsets reported by completions, which run on the producer's own executor.
private final class Acknowledgements: @unchecked Sendable {
    private let lock = NSLock()
    private var byIndex: [Int: Int64] = [:]

    func add(_ index: Int, _ offset: Int64?) {
        lock.lock()
        defer { lock.unlock() }
        byIndex[index] = offset ?? -1
    }

    var offsets: [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return byIndex.keys.sorted().compactMap { byIndex[$0] }
    }
}
