import NIOCore
import SpoolClient
import SpoolProtocol
import SpoolTestSupport
import Testing

/// `Admin.describeShareGroupOffsets` and `spool queue describe` read Spool's per-state counts (tagged field
/// 10000 of DescribeShareGroupOffsets) from the real broker.
@Suite("share group offsets in SpoolClient and the CLI", .serialized, .timeLimit(.minutes(2)))
struct ShareAdminTests {
    @Test("records a share consumer holds are counted as acquired, the rest as available, by Admin and the CLI")
    func describeCounts() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let client = KafkaClient(configuration: broker.clientConfiguration())
        let created = try await client.send(maximumVersion: 7, as: CreateTopicsResponse.self) { _ in
            CreateTopicsRequest(topics: [.init(name: "tasks", numPartitions: 1, replicationFactor: 1)])
        }
        let topicId = try #require(created.topics.first?.topicId)
        func shareFetch(epoch: Int32, maxRecords: Int32) async throws -> ShareFetchResponse {
            try await client.send(maximumVersion: 1, as: ShareFetchResponse.self) { _ in
                ShareFetchRequest(
                    groupId: "workers", memberId: "w1", shareSessionEpoch: epoch, maxWaitMs: 0, minBytes: 1,
                    maxBytes: 1 << 20, maxRecords: maxRecords, batchSize: maxRecords,
                    topics: [.init(topicId: topicId, partitions: [.init(partitionIndex: 0)])])
            }
        }
        // The first fetch creates the share-partition at the log end (0); the second acquires 3 of 5 records.
        _ = try await shareFetch(epoch: 0, maxRecords: 3)
        let producer = try Producer(client: client)
        for index in 0..<5 { _ = try await producer.send(topic: "tasks", value: ByteBuffer(string: "task \(index)")) }
        let fetched = try await shareFetch(epoch: 1, maxRecords: 3)
        #expect(fetched.responses.first?.partitions.first?.acquiredRecords.first?.lastOffset == 2, "\(fetched)")

        let offsets = try await Admin(client: client).describeShareGroupOffsets("workers")
        #expect(offsets.map(\.partition) == [TopicPartition("tasks", 0)])
        let stats = try #require(offsets.first?.stats)
        #expect(offsets.first?.startOffset == 0)
        #expect(stats.acquired == 3 && stats.available == 2 && stats.firstAvailableOffset == 3, "\(stats)")
        #expect(stats.oldestAvailableAgeMs >= 0 && stats.logEndOffset == 5, "\(stats)")
        await #expect(throws: SpoolClientError.self) {
            _ = try await Admin(client: client).describeShareGroupOffsets("nobody")
        }
        await client.close()

        let b = ["-b", broker.bootstrap]
        let table = try await runProcess(TestBroker.binary, ["queue", "describe", "workers"] + b)
        #expect(table.status == 0, "\(table.stderr)")
        let row = table.stdout.split(separator: "\n").last?.split(separator: " ").map(String.init)
        #expect(row?.prefix(5) == ["tasks", "0", "0", "2", "3"], "\(table.stdout)")
        let json = try await runProcess(TestBroker.binary, ["queue", "describe", "workers", "--format", "json"] + b)
        #expect(json.stdout.contains("\"acquired\" : 3"), "\(json.stdout)")
        let missing = try await runProcess(TestBroker.binary, ["queue", "describe", "nobody"] + b)
        #expect(missing.status == 1 && missing.stderr.contains("GROUP_ID_NOT_FOUND"), "\(missing.stderr)")
    }
}
